"""Group messages of one-call tools through real processes (``worker.group_run``).

A batch submission's reads of one account go eight to a message: claimed together, called side by
side, recorded together. What must hold is that each job still ends as it would alone: its own
result, its own error, its own 429 wait and its own 401 refresh, with nothing lost or run twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.stack import Stack, isolated_stack
from tests.support.tools_stack import unique

CONTACTS = "/crm/v3/objects/contacts"
TERMINAL = ("succeeded", "failed", "cancelled")
STACK_ENV = {"HUBSPOT_READ_TIMEOUT_S": "5", "JOB_LEASE_SECONDS": "3", "WORKER_THREADS": "4"}


@pytest.fixture(scope="module")
def gstack() -> Iterator[Stack]:
    with isolated_stack("ha-groups-", extra_env=STACK_ENV) as stack:
        yield stack


@pytest.fixture(autouse=True)
def _no_faults(gstack: Stack) -> Iterator[None]:
    gstack.sandbox.control.clear_faults()
    yield
    gstack.sandbox.control.clear_faults()


def _submit(stack: Stack, identifier: str, tool: str, inputs: list[dict[str, Any]]) -> list[str]:
    jobs = [{"identifier": identifier, "tool_name": tool, "tool_input": i} for i in inputs]
    with stack.api as api:
        response = api.post("/v1/jobs/batch", json={"jobs": jobs})
    assert response.status_code == 202, response.text
    return [job["id"] for job in response.json()["jobs"]]


def _finished(stack: Stack, ids: list[str], timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    done: dict[str, dict[str, Any]] = {}
    with stack.api as api:
        while len(done) < len(ids) and time.monotonic() < deadline:
            pending = ",".join(i for i in ids if i not in done)
            for job in api.get("/v1/jobs", params={"ids": pending}).json()["jobs"]:
                if job["status"] in TERMINAL:
                    done[job["id"]] = job
            time.sleep(0.1)
    assert len(done) == len(ids), f"{len(ids) - len(done)} jobs unfinished\n{stack.logs()[-4000:]}"
    return [done[i] for i in ids]


def _contacts(stack: Stack, identifier: str, count: int) -> list[str]:
    tag = unique("grp")
    inputs = [{"email": f"{tag}_{n}@groups.example"} for n in range(count)]
    jobs = _finished(stack, _submit(stack, identifier, "hubspot_contact_create", inputs))
    assert [j["status"] for j in jobs] == ["succeeded"] * count
    return [str(j["result"]["id"]) for j in jobs]


@pytest.fixture(scope="module")
def reader(gstack: Stack) -> tuple[str, list[str]]:
    identifier = unique("g_reader")
    assert gstack.connect(identifier)["status"] == "ACTIVE"
    return identifier, _contacts(gstack, identifier, 20)


def test_each_read_of_a_group_gets_its_own_result_or_its_own_error(
    gstack: Stack, reader: tuple[str, list[str]]
) -> None:
    """20 reads and 2 of missing contacts in one submission (three group messages): each
    existing contact's job has that contact, each missing one fails hubspot_error (404)."""
    identifier, contact_ids = reader
    asked = [*contact_ids[:10], "999000111", *contact_ids[10:], "999000222"]
    jobs = _finished(
        gstack,
        _submit(gstack, identifier, "hubspot_contact_get", [{"contact_id": c} for c in asked]),
    )
    for job, contact_id in zip(jobs, asked, strict=True):
        if contact_id.startswith("999000"):
            assert job["status"] == "failed", job
            assert job["error"]["code"] == "hubspot_error"
            assert job["error"]["hubspot"]["status"] == 404
        else:
            assert job["status"] == "succeeded", job["error"]
            assert job["result"]["id"] == contact_id
            assert job["attempts"] == 1
            assert job["history"][-1]["batch_size"] is None  # its own call


def test_a_429_or_a_401_in_a_group_is_that_jobs_alone(
    gstack: Stack, reader: tuple[str, list[str]]
) -> None:
    """One read of a group meets HubSpot's 429 (it waits and succeeds later, its attempt not
    used up), another a 401 (one refresh, one resend): the others of the group just succeed."""
    identifier, contact_ids = reader
    control = gstack.sandbox.control
    control.add_fault(CONTACTS, method="GET", status=429, retry_after=1, count=1)
    control.add_fault(CONTACTS, method="GET", status=401, count=1)
    ids = _submit(
        gstack, identifier, "hubspot_contact_get", [{"contact_id": c} for c in contact_ids[:8]]
    )
    jobs = _finished(gstack, ids)
    assert [j["status"] for j in jobs] == ["succeeded"] * 8, [j["error"] for j in jobs]
    assert [j["result"]["id"] for j in jobs] == contact_ids[:8]
    outcomes = sorted(entry["outcome"] for job in jobs for entry in job["history"])
    assert outcomes.count("rate_limited") == 1, outcomes
    assert outcomes.count("succeeded") == 8
    assert "job.retry_after_refresh" in gstack.logs()
