"""Jobs over HTTP (DESIGN.md section 6): idempotency, run_at, cancel, batch, ids, long-poll,
retention."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from store.models import jobs
from tests.support.stack import Stack
from tests.support.tools_stack import connected, database, submit_ok, unique

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.usefixtures("clear_faults")]


def _job(stack: Stack, job_id: str) -> Any:
    with stack.api as api:
        return api.get(f"/v1/jobs/{job_id}")


def test_idempotency_key_same_payload_same_job_other_payload_conflict(stack: Stack) -> None:
    """Same key and payload: the same job (200); another payload: 409 idempotency_conflict."""
    identifier, _ = connected(stack, "jobs_idem")
    key = unique("key")
    first = stack.submit(identifier, "hubspot_contacts_list", {"limit": 2}, idempotency_key=key)
    again = stack.submit(identifier, "hubspot_contacts_list", {"limit": 2}, idempotency_key=key)
    other = stack.submit(identifier, "hubspot_contacts_list", {"limit": 3}, idempotency_key=key)
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["job"]["id"] == first.json()["job"]["id"]
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    done = stack.wait(first.json()["job"]["id"])
    assert done["status"] == "succeeded"
    assert done["attempts"] == 1  # the repeat did not run it twice


def test_run_at_waits_until_due_and_naive_times_are_utc(stack: Stack) -> None:
    """A run_at job is scheduled, then runs once due; a time without offset means UTC."""
    identifier, _ = connected(stack, "jobs_run_at")
    due = datetime.now(UTC) + timedelta(seconds=1.5)
    naive = due.replace(tzinfo=None).isoformat()
    submitted = stack.submit(identifier, "hubspot_contacts_list", {}, run_at=naive)
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()["job"]
    assert job["status"] == "scheduled"
    assert datetime.fromisoformat(job["run_at"]) == due.replace(microsecond=due.microsecond)
    done = stack.wait(job["id"], timeout=20)
    assert done["status"] == "succeeded"
    assert datetime.fromisoformat(done["started_at"]) >= due


def test_cancel_scheduled_and_retrying_jobs_but_not_finished_ones(stack: Stack) -> None:
    """Cancel takes a scheduled or retrying job (it never runs again) and wakes its long-poll;
    a finished job answers 409."""
    identifier, _ = connected(stack, "jobs_cancel")
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    scheduled = submit_ok(stack, identifier, "hubspot_contacts_list", {}, run_at=later)
    woken: dict[str, Any] = {}
    waiter = threading.Thread(target=lambda: woken.update(stack.wait(scheduled, timeout=30)))
    waiter.start()
    with stack.api as api:
        cancelled = api.post(f"/v1/jobs/{scheduled}/cancel")
    waiter.join(40)
    assert cancelled.status_code == 200
    assert cancelled.json()["job"]["status"] == "cancelled"
    assert cancelled.json()["job"]["error"]["code"] == "cancelled"
    assert woken["status"] == "cancelled"  # the 30 s long-poll returned when it was cancelled

    stack.sandbox.control.add_fault(
        "/crm/v3/objects/contacts", method="GET", status=429, retry_after=30, count=1
    )
    retrying = submit_ok(stack, identifier, "hubspot_contacts_list", {})
    job = stack.wait(retrying, timeout=2)
    for _ in range(50):
        if job["status"] == "retrying":
            break
        job = stack.wait(retrying, timeout=0.2)
    assert job["status"] == "retrying"
    with stack.api as api:
        assert api.post(f"/v1/jobs/{retrying}/cancel").json()["job"]["status"] == "cancelled"
        finished = submit_ok(stack, identifier, "hubspot_contacts_list", {})
        stack.wait(finished)
        refused = api.post(f"/v1/jobs/{finished}/cancel")
        missing = api.post("/v1/jobs/job_nope/cancel")
    assert refused.status_code == 409
    assert missing.status_code == 404
    assert [h["outcome"] for h in _job(stack, retrying).json()["job"]["history"]] == [
        "rate_limited"
    ]


def test_batch_and_get_by_ids(stack: Stack) -> None:
    """A batch answers per item (accepted job or error); GET ?ids= returns them in order."""
    identifier, _ = connected(stack, "jobs_batch")
    items = [
        {"identifier": identifier, "tool_name": "hubspot_contacts_list", "tool_input": {}},
        {"identifier": identifier, "tool_name": "hubspot_contact_create", "tool_input": {}},
        {"identifier": identifier, "tool_name": "hubspot_contacts_list", "lane": "bulk"},
    ]
    with stack.api as api:
        response = api.post("/v1/jobs/batch", json={"jobs": items})
        assert response.status_code == 202
        answers = response.json()["jobs"]
        assert answers[1]["error"]["code"] == "invalid_tool_input"
        ids = [answers[2]["id"], "job_unknown", answers[0]["id"]]
        for job_id in (answers[0]["id"], answers[2]["id"]):
            stack.wait(job_id)
        listed = api.get("/v1/jobs", params={"ids": ",".join(ids)}).json()["jobs"]
        too_many = api.get("/v1/jobs", params={"ids": ",".join(["x"] * 101)})
        too_big = api.post("/v1/jobs/batch", json={"jobs": [items[0]] * 101})
    assert [j["id"] for j in listed] == [answers[2]["id"], answers[0]["id"]]
    assert [j["lane"] for j in listed] == ["bulk", "interactive"]
    assert {j["status"] for j in listed} == {"succeeded"}
    assert too_many.status_code == 422
    assert too_big.status_code == 422


def test_finished_jobs_are_purged_after_retention_with_their_keys(stack: Stack) -> None:
    """A job finished longer ago than JOB_RETENTION_DAYS is deleted by the sweep, and its
    idempotency key is free again."""
    identifier, _ = connected(stack, "jobs_retention")
    key = unique("old")
    old = submit_ok(stack, identifier, "hubspot_contacts_list", {}, idempotency_key=key)
    assert stack.wait(old)["status"] == "succeeded"
    long_ago = datetime.now(UTC) - timedelta(days=8)
    with database(stack) as db, db.write() as conn:
        conn.execute(update(jobs).where(jobs.c.id == old).values(finished_at=long_ago))
    for _ in range(100):  # the stack sweeps every second
        if _job(stack, old).status_code == 404:
            break
        threading.Event().wait(0.1)
    assert _job(stack, old).json()["error"]["code"] == "job_not_found"
    reused = stack.submit(identifier, "hubspot_contacts_list", {"limit": 5}, idempotency_key=key)
    assert reused.status_code == 202
    assert reused.json()["job"]["id"] != old
