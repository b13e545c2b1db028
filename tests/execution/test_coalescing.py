"""Coalescing (DESIGN.md section 12) through real processes: web, worker, scheduler, sandbox.

The stack is this module's own: a 3 s job lease, so the killed-worker test's jobs come back
within seconds, and faults that no other test shares. Jobs go in through ``POST /v1/jobs/batch``
(100 a call, one transaction each) and HubSpot calls are counted by route in the sandbox's stats.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from broker.redis_broker import DRAMATIQ_NAMESPACE, QUEUE_BULK
from tests.support.stack import Stack, isolated_stack
from tests.support.tools_stack import crm_calls, request_count, unique

pytestmark = [pytest.mark.e2e, pytest.mark.services]

CONTACTS = "/crm/v3/objects/contacts"
BATCH_UPDATE = f"POST {CONTACTS}/batch/update"
BATCH_CREATE = f"POST {CONTACTS}/batch/create"
TERMINAL = ("succeeded", "failed", "cancelled")
STACK_ENV = {"HUBSPOT_READ_TIMEOUT_S": "5", "JOB_LEASE_SECONDS": "3", "WORKER_THREADS": "6"}


@pytest.fixture(scope="module")
def cstack() -> Iterator[Stack]:
    with isolated_stack("ha-coalesce-", extra_env=STACK_ENV) as stack:
        yield stack


@pytest.fixture(autouse=True)
def _no_faults(cstack: Stack) -> Iterator[None]:
    cstack.sandbox.control.clear_faults()
    yield
    cstack.sandbox.control.clear_faults()


def _connect_hub(stack: Stack, prefix: str) -> tuple[str, int]:
    identifier = unique(prefix)
    account = stack.connect(identifier)
    assert account["status"] == "ACTIVE"
    return identifier, int(account["hub_id"])


def _connect(stack: Stack, prefix: str) -> str:
    return _connect_hub(stack, prefix)[0]


def _submit(
    stack: Stack, identifier: str, tool: str, inputs: list[dict[str, Any]], lane: str = "bulk"
) -> list[str]:
    ids: list[str] = []
    with stack.api as api:
        for start in range(0, len(inputs), 100):
            jobs = [
                {"identifier": identifier, "tool_name": tool, "tool_input": i, "lane": lane}
                for i in inputs[start : start + 100]
            ]
            response = api.post("/v1/jobs/batch", json={"jobs": jobs})
            assert response.status_code == 202, response.text
            ids += [job["id"] for job in response.json()["jobs"]]
    return ids


def _finished(stack: Stack, ids: list[str], timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    done: dict[str, dict[str, Any]] = {}
    with stack.api as api:
        while len(done) < len(ids) and time.monotonic() < deadline:
            pending = [i for i in ids if i not in done]
            for start in range(0, len(pending), 100):
                chunk = ",".join(pending[start : start + 100])
                for job in api.get("/v1/jobs", params={"ids": chunk}).json()["jobs"]:
                    if job["status"] in TERMINAL:
                        done[job["id"]] = job
            time.sleep(0.2)
    assert len(done) == len(ids), f"{len(ids) - len(done)} jobs unfinished\n{stack.logs()[-4000:]}"
    return [done[i] for i in ids]


def _create_contacts(stack: Stack, identifier: str, emails: list[str]) -> list[str]:
    jobs = _finished(
        stack, _submit(stack, identifier, "hubspot_contact_create", [{"email": e} for e in emails])
    )
    assert [j["status"] for j in jobs] == ["succeeded"] * len(emails), jobs[0]
    return [str(j["result"]["id"]) for j in jobs]


def _emails(prefix: str, count: int) -> list[str]:
    tag = unique(prefix)
    return [f"{tag}_{n}@coalesce.example" for n in range(count)]


def _last(job: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = job["history"][-1]
    return entry


def _portal_contacts(stack: Stack, identifier: str) -> list[dict[str, Any]]:
    (job,) = _finished(stack, _submit(stack, identifier, "hubspot_contacts_list", [{"limit": 100}]))
    assert job["status"] == "succeeded", job
    results: list[dict[str, Any]] = job["result"]["results"]
    return results


def test_1000_updates_go_in_at_most_11_batch_calls_each_with_its_own_result(
    cstack: Stack,
) -> None:
    """1,000 bulk updates of one portal: <= 11 HubSpot batch calls, 1,000 per-job results."""
    identifier, hub_id = _connect_hub(cstack, "co_thousand")
    ids = _create_contacts(cstack, identifier, _emails("thousand", 1000))
    before = request_count(cstack, BATCH_UPDATE)
    calls_before = crm_calls(cstack, hub_id)
    inputs = [{"contact_id": cid, "firstname": f"name-{n}"} for n, cid in enumerate(ids)]
    jobs = _finished(cstack, _submit(cstack, identifier, "hubspot_contact_update", inputs))
    batch_calls = request_count(cstack, BATCH_UPDATE) - before
    all_calls = crm_calls(cstack, hub_id) - calls_before
    print(f"1,000 updates: {batch_calls} batch calls, {all_calls} HubSpot calls in all")
    assert batch_calls <= 11
    assert all_calls <= 11
    singles = [j for j in jobs if _last(j)["batch_size"] is None]
    assert len(singles) == all_calls - batch_calls
    assert [j["status"] for j in jobs] == ["succeeded"] * 1000
    for n, (job, cid) in enumerate(zip(jobs, ids, strict=True)):
        assert job["result"]["id"] == cid
        assert job["result"]["properties"]["firstname"] == f"name-{n}"
        assert set(job["result"]) >= {"id", "properties", "createdAt", "updatedAt", "archived"}
        assert "objectWriteTraceId" not in job["result"]
    batched = [j for j in jobs if _last(j)["batch_size"] is not None]
    assert sum(1 / _last(j)["batch_size"] for j in batched) == pytest.approx(batch_calls)


def test_a_207_maps_the_missing_record_error_to_its_own_job(cstack: Stack) -> None:
    """An update of a nonexistent id among valid ones: that job fails 404 hubspot_error, the
    others succeed, all from one batch call."""
    identifier = _connect(cstack, "co_207")
    ids = _create_contacts(cstack, identifier, _emails("m207", 3))
    inputs = [{"contact_id": cid, "lastname": "Valid"} for cid in ids]
    inputs.insert(1, {"contact_id": "987654321", "lastname": "Nobody"})
    before = request_count(cstack, BATCH_UPDATE)
    jobs = _finished(
        cstack, _submit(cstack, identifier, "hubspot_contact_update", inputs, "interactive")
    )
    assert request_count(cstack, BATCH_UPDATE) - before == 1
    assert [j["status"] for j in jobs] == ["succeeded", "failed", "succeeded", "succeeded"]
    missing = jobs[1]
    assert missing["error"]["code"] == "hubspot_error"
    assert missing["error"]["hubspot"]["status"] == 404
    assert missing["error"]["hubspot"]["category"] == "OBJECT_NOT_FOUND"
    assert missing["attempts"] == 1
    assert [j["result"]["id"] for j in (jobs[0], jobs[2], jobs[3])] == ids
    assert {_last(j)["batch_size"] for j in jobs} == {4}


def test_a_contact_batch_create_409_fails_only_the_existing_email(cstack: Stack) -> None:
    """One email of a batch create exists: HubSpot refuses the batch with 409; that job fails as
    a single create would (409, the existing id), the others are sent again and succeed."""
    identifier = _connect(cstack, "co_409")
    emails = _emails("c409", 5)
    (existing_id,) = _create_contacts(cstack, identifier, emails[2:3])
    jobs = _finished(
        cstack,
        _submit(
            cstack,
            identifier,
            "hubspot_contact_create",
            [{"email": e} for e in emails],
            "interactive",
        ),
    )
    statuses = ["succeeded", "succeeded", "failed", "succeeded", "succeeded"]
    assert [j["status"] for j in jobs] == statuses
    failed = jobs[2]
    assert failed["error"]["code"] == "hubspot_error"
    assert failed["error"]["existing_id"] == existing_id
    assert failed["error"]["hubspot"]["status"] == 409
    assert f"Existing ID: {existing_id}" in failed["error"]["message"]
    created = [j["result"] for j in jobs if j["status"] == "succeeded"]
    assert [r["properties"]["email"] for r in created] == emails[:2] + emails[3:]
    assert len({r["id"] for r in created} | {existing_id}) == 5


def test_five_updates_of_one_contact_run_in_submission_order(cstack: Stack) -> None:
    """v1..v5 of one contact's property in one /v1/jobs/batch: each job's result shows its own
    value, they finish in order, and the contact ends at v5."""
    identifier = _connect(cstack, "co_order")
    (cid,) = _create_contacts(cstack, identifier, _emails("order", 1))
    inputs = [{"contact_id": cid, "jobtitle": f"v{n}"} for n in range(1, 6)]
    jobs = _finished(
        cstack, _submit(cstack, identifier, "hubspot_contact_update", inputs, "interactive")
    )
    assert [j["status"] for j in jobs] == ["succeeded"] * 5
    assert [j["result"]["properties"]["jobtitle"] for j in jobs] == ["v1", "v2", "v3", "v4", "v5"]
    finished = [j["finished_at"] for j in jobs]
    assert finished == sorted(finished)
    (read,) = _finished(
        cstack,
        _submit(
            cstack,
            identifier,
            "hubspot_contact_get",
            [{"contact_id": cid, "properties": "jobtitle"}],
        ),
    )
    assert read["result"]["properties"]["jobtitle"] == "v5"


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(cstack: Stack) -> None:
    """SIGKILL of the worker while a batch create is in flight, then a new worker: every job is
    terminal and succeeded, each email exactly one contact."""
    identifier = _connect(cstack, "co_kill")
    emails = _emails("kill", 10)
    control = cstack.sandbox.control
    control.add_fault(f"{CONTACTS}/batch/create", method="POST", latency_ms=2000, count=1)
    applied = control.stats()["faults_applied"]
    ids = _submit(cstack, identifier, "hubspot_contact_create", [{"email": e} for e in emails])
    deadline = time.monotonic() + 20
    while control.stats()["faults_applied"] == applied and time.monotonic() < deadline:
        time.sleep(0.05)
    assert control.stats()["faults_applied"] > applied, "the batch call never started"
    current = [n for n in cstack.processes if n.startswith("worker")][-1]
    cstack.processes[current].kill()
    time.sleep(2.5)  # the killed call is applied by the sandbox meanwhile
    cstack.start(f"{current}_again", "worker").wait_log("worker.started")
    jobs = _finished(cstack, ids, timeout=60)
    assert [j["status"] for j in jobs] == ["succeeded"] * 10, [j.get("error") for j in jobs]
    assert all(j["history"][0]["outcome"] == "lease_lapsed" for j in jobs)
    assert [j["result"]["properties"]["email"] for j in jobs] == emails
    contacts = _portal_contacts(cstack, identifier)
    assert sorted(c["properties"]["email"] for c in contacts) == sorted(emails)
    assert {c["id"] for c in contacts} == {j["result"]["id"] for j in jobs}


def test_a_dropped_contact_batch_create_is_recovered_by_email(cstack: Stack) -> None:
    """A batch create applied but its connection dropped: the contacts are found by email and
    their jobs succeed (recovered), no contact is created twice."""
    identifier = _connect(cstack, "co_drop")
    emails = _emails("drop", 4)
    cstack.sandbox.control.add_fault(f"{CONTACTS}/batch/create", drop="after", count=1)
    before = request_count(cstack, BATCH_CREATE)
    jobs = _finished(
        cstack,
        _submit(cstack, identifier, "hubspot_contact_create", [{"email": e} for e in emails]),
    )
    assert [j["status"] for j in jobs] == ["succeeded"] * 4, jobs[0]
    assert request_count(cstack, BATCH_CREATE) - before == 1
    assert {_last(j).get("category") for j in jobs} == {"RECOVERED_DUPLICATE"}
    assert [j["result"]["properties"]["email"] for j in jobs] == emails
    contacts = _portal_contacts(cstack, identifier)
    assert sorted(c["properties"]["email"] for c in contacts) == sorted(emails)


@pytest.mark.parametrize(
    ("tool", "path", "inputs"),
    [
        (
            "hubspot_company_create",
            "/crm/v3/objects/companies",
            [{"name": f"Drop {n}"} for n in range(3)],
        ),
        (
            "hubspot_deal_create",
            "/crm/v3/objects/deals",
            [{"dealname": f"Drop {n}", "dealstage": "appointmentscheduled"} for n in range(3)],
        ),
    ],
)
def test_a_dropped_company_or_deal_batch_create_fails_outcome_unknown(
    cstack: Stack, tool: str, path: str, inputs: list[dict[str, Any]]
) -> None:
    """Company and deal batch creates whose answer is lost: every job fails outcome_unknown
    after one call, never sent again (no silent duplicates)."""
    identifier = _connect(cstack, "co_drop_other")
    cstack.sandbox.control.add_fault(f"{path}/batch/create", drop="after", count=1)
    route = f"POST {path}/batch/create"
    before = request_count(cstack, route)
    jobs = _finished(cstack, _submit(cstack, identifier, tool, inputs))
    assert [j["status"] for j in jobs] == ["failed"] * 3
    assert {j["error"]["code"] for j in jobs} == {"outcome_unknown"}
    assert all(j["attempts"] == 1 for j in jobs)
    assert {_last(j)["batch_size"] for j in jobs} == {3}
    time.sleep(0.5)
    assert request_count(cstack, route) - before == 1


def test_a_lost_group_message_is_sent_again_by_the_sweep(cstack: Stack) -> None:
    """A batch submission of 30 updates goes as one message (DESIGN.md s12, one per account and
    tool); Redis loses it before any worker fetched it. The sweep finds each of the 30 jobs
    without a live message and sends them again: all succeed, each with its own result."""
    identifier = _connect(cstack, "co_lost")
    contact_ids = _create_contacts(cstack, identifier, _emails("lost", 30))
    current = [n for n in cstack.processes if n.startswith("worker")][-1]
    cstack.processes[current].stop()
    client = redis.Redis.from_url(cstack.env["REDIS_URL"])
    queue = f"{DRAMATIQ_NAMESPACE}:{QUEUE_BULK}"
    try:
        inputs = [
            {"contact_id": cid, "firstname": f"lost-{n}"} for n, cid in enumerate(contact_ids)
        ]
        ids = _submit(cstack, identifier, "hubspot_contact_update", inputs)
        assert client.llen(queue) == 1, "30 updates of one account: one message"
        client.delete(queue, f"{queue}.msgs")
    finally:
        client.close()
        cstack.start(f"{current}_after_loss", "worker").wait_log("worker.started")
    jobs = _finished(cstack, ids, timeout=60)
    assert [j["status"] for j in jobs] == ["succeeded"] * 30, [j.get("error") for j in jobs]
    assert [j["result"]["properties"]["firstname"] for j in jobs] == [
        f"lost-{n}" for n in range(30)
    ]
