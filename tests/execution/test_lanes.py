"""``interactive`` before ``bulk`` when the workers are saturated (DESIGN.md section 7)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.stack import Stack
from tests.support.tools_stack import connected, submit_ok

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.usefixtures("clear_faults")]

BULK_JOBS = 48
#: The shared stack's worker: one process with this many threads.
WORKER_THREADS = 6


def _at(job: dict[str, object], field: str) -> datetime:
    return datetime.fromisoformat(str(job[field]))


def test_an_interactive_job_overtakes_a_bulk_backlog(stack: Stack) -> None:
    """With every worker thread busy on slow bulk jobs (and more prefetched or queued), an
    interactive job submitted afterwards takes the next free thread: at most one bulk job per
    thread starts between its arrival and its start, while the backlog is still waiting."""
    # Given slow HubSpot reads and a bulk backlog spread over two portals (within their budgets).
    stack.sandbox.control.add_fault("/crm/v3/objects/contacts", method="GET", latency_ms=250)
    users = [connected(stack, "lanes_bulk")[0], connected(stack, "lanes_bulk")[0]]
    interactive_user, _ = connected(stack, "lanes_interactive")
    items = [
        {"identifier": users[n % 2], "tool_name": "hubspot_contacts_list", "lane": "bulk"}
        for n in range(BULK_JOBS)
    ]
    with stack.api as api:
        bulk = [
            job["id"] for job in api.post("/v1/jobs/batch", json={"jobs": items}).json()["jobs"]
        ]
    # When an interactive job arrives behind it.
    urgent = stack.wait(submit_ok(stack, interactive_user, "hubspot_contacts_list", {}), timeout=30)
    backlog = [stack.wait(job_id, timeout=60) for job_id in bulk]

    # Then only the threads already free took bulk jobs before it, and bulk jobs were still
    # waiting when it started (so it did overtake them).
    assert urgent["status"] == "succeeded"
    arrived, started = _at(urgent, "created_at"), _at(urgent, "started_at")
    overtook_it = [j for j in backlog if arrived < _at(j, "started_at") < started]
    still_waiting = [j for j in backlog if _at(j, "started_at") > started]
    assert len(overtook_it) <= WORKER_THREADS
    assert len(still_waiting) >= BULK_JOBS // 4
