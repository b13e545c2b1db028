"""Our per-portal budget holds HubSpot's limit even when workers are killed mid-backlog (issue 10
defect 4): the calls of late jobs (prefetched by a killed worker, re-run after a lapsed lease)
must not bunch up inside one of HubSpot's rolling windows.

Scaled like ``tests/execution/test_ratelimit_backlog.py`` (budget 300 per 10 s, HubSpot 330: the
same 10% headroom as the defaults) so it takes ~45 s instead of minutes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from sandbox.config import SandboxConfig
from tests.support.backlog import Tally, submit_jobs, wait_terminal
from tests.support.stack import Stack, isolated_stack

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.slow]

BUDGET_PER_10S = 300
HUBSPOT_LIMIT_PER_10S = 330
JOBS = 1200
KILLS_AT_S = (5.0, 14.0)
STACK_ENV = {
    "HUBSPOT_RATE_LIMIT_PER_10S": str(BUDGET_PER_10S),
    "JOB_LEASE_SECONDS": "5",
    "SWEEP_INTERVAL_SECONDS": "1",
    "WORKER_PROCESSES": "2",
    "WORKER_THREADS": "8",
}


@pytest.fixture
def kill_budget_stack() -> Iterator[Stack]:
    sandbox = SandboxConfig(burst_per_10s=HUBSPOT_LIMIT_PER_10S)
    with isolated_stack("ha-kill-budget-", sandbox_config=sandbox, extra_env=STACK_ENV) as stack:
        yield stack


@pytest.mark.timeout(240)
def test_no_hubspot_429_within_budget_while_workers_are_killed(kill_budget_stack: Stack) -> None:
    """1,200 jobs for one portal, the worker SIGKILLed twice mid-backlog and restarted: every job
    succeeds and HubSpot never answers 429."""
    stack = kill_budget_stack
    stack.connect("kill_budget_user")
    stack.sandbox.control.add_fault("/crm/v3/objects/contacts", method="GET", latency_ms=20)
    job = {"identifier": "kill_budget_user", "tool_name": "hubspot_contacts_list", "lane": "bulk"}
    with stack.api as api:
        started = time.monotonic()
        ids = submit_jobs(api, [dict(job) for _ in range(JOBS)])
        for n, at in enumerate(KILLS_AT_S):
            time.sleep(max(0.0, at - (time.monotonic() - started)))
            current = [name for name in stack.processes if name.startswith("worker")][-1]
            stack.processes[current].kill()
            stack.start(f"worker_{n + 2}", "worker").wait_log("worker.started")
        views, elapsed = wait_terminal(api, ids, timeout=150)

    tally = Tally.of(ids, views)
    stats = stack.sandbox.control.stats()
    print(f"budget under kills: {tally}, {elapsed:.1f} s, 429s {stats['rate_limited_429']}")
    assert (tally.succeeded, tally.stuck, tally.lost) == (JOBS, 0, 0)
    assert stats["rate_limited_429"] == 0
