"""The walking skeleton through real processes: account, consent, callback, job, result."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import redis
from sqlalchemy import func, select

from broker.notify import JOB_DONE_CHANNEL
from store.db import Database
from store.models import jobs
from tests.support.guide import GUIDE_CONTACT
from tests.support.services import REDIS_BASE
from tests.support.stack import Stack


def _job_count(stack: Stack) -> int:
    db = Database(stack.database_url)
    try:
        with db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(jobs)).scalar_one())
    finally:
        db.dispose()


def _queued_messages() -> int:
    client = redis.Redis.from_url(REDIS_BASE)
    return sum(int(client.hlen(f"dramatiq:{q}.msgs")) for q in ("interactive", "bulk"))


def test_contact_create_end_to_end(stack: Stack) -> None:
    """Link, consent, callback, ACTIVE, submit, worker calls the sandbox, result returned."""
    with stack.api as api:
        created = api.post(
            "/v1/connected-accounts", json={"connection_name": "hubspot", "identifier": "e2e_jane"}
        )
        assert created.status_code == 200
        assert created.json()["connected_account"]["status"] == "PENDING"
    account = stack.connect("e2e_jane")
    assert account["status"] == "ACTIVE"
    assert account["needs_reauth"] is False
    assert account["missing_scopes"] == []
    assert "crm.objects.contacts.write" in account["granted_scopes"]

    submitted = stack.submit("e2e_jane", "hubspot_contact_create", GUIDE_CONTACT)
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()["job"]
    assert job["status"] == "queued"
    assert job["result"] is None

    done = stack.wait(job["id"])
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 1
    assert done["history"][0]["outcome"] == "succeeded"
    assert done["history"][0]["http_status"] == 201
    props = done["result"]["properties"]
    for key, value in GUIDE_CONTACT.items():
        assert props[key] == value
    assert done["result"]["id"].isdigit()

    with stack.api as api:
        viewed = api.get("/v1/connected-accounts/hubspot/e2e_jane").json()["connected_account"]
    assert viewed["status"] == "ACTIVE"
    assert viewed["hub_id"] == account["hub_id"]
    assert "token" not in json.dumps(viewed).replace("token_expires_at", "")


def test_every_v1_route_needs_an_api_key(stack: Stack) -> None:
    """No key or a wrong key is 401 before routing (even for unknown paths)."""
    for headers in ({}, {"Authorization": "Bearer hak_wrong"}, {"Authorization": "Basic x"}):
        for method, path in (("GET", "/v1/jobs/x"), ("POST", "/v1/jobs"), ("GET", "/v1/nope")):
            response = httpx.request(method, stack.base_url + path, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.json()["error"]["code"] == "unauthorized"
    assert httpx.get(stack.base_url + "/healthz").status_code == 200


def test_bad_input_is_refused_and_nothing_is_stored(stack: Stack) -> None:
    """Unknown tool, malformed JSON, missing email: 422, no job row, no message."""
    stack.connect("e2e_bad_input")
    rows, messages = _job_count(stack), _queued_messages()
    with stack.api as api:
        unknown = api.post(
            "/v1/jobs",
            json={"identifier": "e2e_bad_input", "tool_name": "hubspot_nope", "tool_input": {}},
        )
        malformed = api.post(
            "/v1/jobs",
            content=b'{"identifier": "e2e_bad_input", "tool_name": ',
            headers={"content-type": "application/json"},
        )
        missing = api.post(
            "/v1/jobs",
            json={
                "identifier": "e2e_bad_input",
                "tool_name": "hubspot_contact_create",
                "tool_input": {"firstname": "No Email"},
            },
        )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "unknown_tool"
    assert "hubspot_contact_create" in unknown.json()["error"]["message"]
    assert malformed.status_code == 422
    assert malformed.json()["error"]["code"] == "invalid_tool_input"
    assert "JSON" in malformed.json()["error"]["message"]
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "invalid_tool_input"
    assert "email" in missing.json()["error"]["message"]
    assert _job_count(stack) == rows
    assert _queued_messages() == messages


def test_jobs_are_refused_for_accounts_that_cannot_run(stack: Stack) -> None:
    """Unknown account: 404; never authorized: 409 account_pending with a fresh link."""
    unknown = stack.submit("e2e_nobody", "hubspot_contact_create", {"email": "a@b.co"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "account_not_found"
    with stack.api as api:
        api.post(
            "/v1/connected-accounts", json={"connection_name": "hubspot", "identifier": "e2e_p"}
        )
    pending = stack.submit("e2e_p", "hubspot_contact_create", {"email": "a@b.co"})
    assert pending.status_code == 409
    error = pending.json()["error"]
    assert error["code"] == "account_pending"
    assert error["reauth_link"].startswith(stack.sandbox.base_url + "/oauth/authorize?")
    assert "state=" in error["reauth_link"]


def test_account_state_is_checked_again_when_the_job_starts(stack: Stack) -> None:
    """A run_at job whose account is disconnected before it is due fails with that code."""
    account = stack.connect("e2e_later")
    run_at = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    submitted = stack.submit(
        "e2e_later", "hubspot_contact_create", {"email": "later@b.co"}, run_at=run_at
    )
    assert submitted.status_code == 202
    job = submitted.json()["job"]
    assert job["status"] == "scheduled"
    with stack.api as api:
        deleted = api.delete("/v1/connected-accounts/hubspot/e2e_later")
    assert deleted.json()["connected_account"]["status"] == "DISCONNECTED"
    done = stack.wait(job["id"], timeout=15)
    assert done["status"] == "failed", done
    assert done["error"]["code"] == "account_disconnected"
    assert done["error"]["reauth_link"]
    crm_calls = stack.sandbox.control.stats()["crm_object_requests"]
    assert crm_calls.get(str(account["hub_id"]), 0) == 0


def test_long_poll_returns_as_soon_as_the_job_finishes(stack: Stack) -> None:
    """``wait`` returns at the job's end, woken by the worker's job-done notification."""
    stack.connect("e2e_poll")
    # Listen on the channel the long poll wakes on: a 1 s re-read would also return in time,
    # only the notification tells the two apart.
    client = redis.Redis.from_url(stack.env["REDIS_URL"])
    listener = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
    listener.subscribe(JOB_DONE_CHANNEL)
    stack.sandbox.control.add_fault("/crm/v3/objects/contacts", method="POST", latency_ms=300)
    try:
        job = stack.submit("e2e_poll", "hubspot_contact_create", {"email": "poll@b.co"}).json()[
            "job"
        ]
        started = datetime.now(UTC)
        done = stack.wait(job["id"], timeout=30)
        elapsed = (datetime.now(UTC) - started).total_seconds()
        announced = []
        # Drain for a moment (the subscribe confirmation reads as None, so no early stop).
        drain_until = time.monotonic() + 2.0
        while time.monotonic() < drain_until:
            message = listener.get_message(timeout=0.2)
            if message is not None:
                announced.append(message["data"].decode())
    finally:
        stack.sandbox.control.clear_faults()
        listener.close()
        client.close()
    assert done["status"] == "succeeded"
    assert announced.count(job["id"]) == 1  # announced once, by the worker that finished it
    assert elapsed < 30  # it came back when the job ended, not when the wait ran out
