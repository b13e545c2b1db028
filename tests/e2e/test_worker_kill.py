"""A worker SIGKILLed mid-backlog: every job it held or had prefetched is terminal again within
``JOB_LEASE_SECONDS`` + 2 sweeps, with no further traffic, and no contact is created twice
(issue 10 defect 1; DESIGN.md section 11, the CI short form of ``bench.chaos``).

Before the fix, the messages the killed worker had prefetched sat in its Dramatiq ack set: the
sweep saw them in the queue's message hash and took them for present, and only Dramatiq's random
maintenance (one command in a thousand) ever returned them; with no traffic, never.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.support.backlog import (
    Tally,
    contact_creates,
    created_contacts,
    submit_jobs,
    wait_terminal,
)
from tests.support.stack import Stack, isolated_stack

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.slow]

#: Short, so the test is quick; long enough that a busy live worker never misses a renewal.
LEASE_S = 5.0
SWEEP_S = 1.0
USERS, PER_USER = 6, 80
#: Time for the restarted worker to run what is left of the backlog once the jobs are back.
DRAIN_ALLOWANCE_S = 15.0


STACK_ENV = {
    "JOB_LEASE_SECONDS": str(LEASE_S),
    "SWEEP_INTERVAL_SECONDS": str(SWEEP_S),
    "WORKER_THREADS": "8",
}


@pytest.fixture
def kill_stack() -> Iterator[Stack]:
    with isolated_stack("ha-kill-", extra_env=STACK_ENV) as stack:
        yield stack


def test_jobs_of_a_killed_worker_end_within_a_lease_and_two_sweeps(kill_stack: Stack) -> None:
    """6 users x 80 contact creates, the worker's process group SIGKILLed 1.5 s in and restarted,
    no more traffic: all 480 succeed in time, the sandbox created exactly 480 contacts."""
    # Given six connected users and a slow HubSpot, so that the kill lands mid-backlog.
    identifiers = [f"kill_user_{n}" for n in range(USERS)]
    for identifier in identifiers:
        kill_stack.connect(identifier)
    kill_stack.sandbox.control.add_fault("/crm/v3/objects/contacts", method="POST", latency_ms=40)
    with kill_stack.api as api:
        ids = submit_jobs(api, contact_creates(identifiers, PER_USER, "kill"))

        # When the worker is SIGKILLed 1.5 s later and a fresh one started.
        time.sleep(1.5)
        kill_stack.processes["worker"].kill()
        killed_at = time.monotonic()
        kill_stack.start("worker_2", "worker").wait_log("worker.started")
        budget = LEASE_S + 2 * SWEEP_S + DRAIN_ALLOWANCE_S
        views, _ = wait_terminal(api, ids, timeout=budget + 30)
        recovery = time.monotonic() - killed_at

    # Then every job succeeded, in time, and HubSpot saw one contact per job.
    tally = Tally.of(ids, views)
    print(f"kill: {tally}, all terminal {recovery:.1f} s after the kill")
    assert (tally.succeeded, tally.stuck, tally.lost, dict(tally.failed)) == (480, 0, 0, {})
    assert recovery <= budget, kill_stack.logs()[-3000:]
    assert len({v["result"]["id"] for v in views.values()}) == USERS * PER_USER
    for identifier in identifiers:
        emails = _portal_emails(kill_stack, identifier)
        assert len(emails) == len(set(emails)) == PER_USER, identifier
    assert created_contacts(kill_stack.sandbox.control.stats()) == USERS * PER_USER


def _portal_emails(stack: Stack, identifier: str) -> list[str]:
    """Every contact's email in the user's portal (one page of 100 holds them all)."""
    submitted = stack.submit(identifier, "hubspot_contacts_list", {"limit": 100})
    job = stack.wait(submitted.json()["job"]["id"], timeout=20)
    assert job["status"] == "succeeded", job
    assert job["result"].get("paging") is None
    return [c["properties"]["email"] for c in job["result"]["results"]]
