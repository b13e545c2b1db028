"""Giving up on 5xx: the last row of retries ends ``hubspot_unavailable`` (DESIGN.md section 7).

The stack's worker backs off for real (seconds to minutes), so this test stops it and runs the
same executor in this process over the stack's database, Redis and sandbox, with a policy whose
backoff is milliseconds: the path is the production one, only the waits are short.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from broker.redis_broker import build_broker
from core.settings import load_settings
from store.jobs import JobRecord
from tests.support.stack import Stack
from tests.support.tools_stack import connect_account, submit_ok, worker_stopped
from worker.decisions import DecisionTable
from worker.executor import JobExecutor
from worker.runtime import WorkerRuntime

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.usefixtures("clear_faults")]

MAX_ATTEMPTS = 3


@pytest.fixture
def runtime(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[WorkerRuntime]:
    """A worker runtime in this process, configured like the stack's worker."""
    for key, value in stack.env.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    assert settings.redis_url is not None
    rt = WorkerRuntime(settings=settings, broker=build_broker(settings.redis_url, wakeups=False))
    yield rt
    rt.close()


def _executor(rt: WorkerRuntime) -> JobExecutor:
    return JobExecutor(
        jobs=rt.jobs,
        accounts=rt.accounts,
        calls=rt.executor.calls,
        outcomes=rt.executor.outcomes,
        lease=rt.executor.lease,
        table=DecisionTable(max_attempts=MAX_ATTEMPTS, backoff_base_s=0.01, backoff_cap_s=0.05),
        clock=rt.clock,
    )


def _get(rt: WorkerRuntime, job_id: str) -> JobRecord:
    job = rt.jobs.get(job_id)
    assert job is not None
    return job


def test_5xx_until_attempts_run_out_fails_unavailable(stack: Stack, runtime: WorkerRuntime) -> None:
    """Every try answered 503: retried with backoff, then failed hubspot_unavailable, retryable."""
    account = connect_account(stack, "exhausted")
    stack.sandbox.control.add_fault("/crm/v3/objects/contacts", method="GET", status=503)
    executor = _executor(runtime)
    with worker_stopped(stack):
        job_id = submit_ok(stack, account["identifier"], "hubspot_contacts_list", {})
        for _ in range(MAX_ATTEMPTS):
            executor.run(job_id)
            if _get(runtime, job_id).status.is_terminal:
                break
            time.sleep(0.1)  # past the due time: the scheduler (or we) re-queue it
            runtime.jobs.promote_due([job_id])
    job = _get(runtime, job_id)
    assert job.status == "failed"
    assert job.error is not None
    assert job.error["code"] == "hubspot_unavailable"
    assert job.error["retryable"] is True
    assert f"gave up after {MAX_ATTEMPTS} attempts" in job.error["message"]
    assert job.attempts == MAX_ATTEMPTS
    assert [h["outcome"] for h in job.history] == ["retry", "retry", "hubspot_unavailable"]
    assert all(h["http_status"] == 503 for h in job.history)
