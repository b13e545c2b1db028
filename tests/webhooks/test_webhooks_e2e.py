"""Webhooks end to end: real web, worker and scheduler processes, a real HTTP receiver.

Every received request is verified with the ``standardwebhooks`` library (the receiver's view of
our signature), and every test reads only its own receiver path.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook

from store.db import Database
from store.keyring import Keyring
from store.vault import TokenVault
from tests.support.stack import CLIENT_ID, Stack
from tests.support.tools_stack import unique
from tests.support.webhook_receiver import Received, WebhookReceiver

JOB_EVENTS = ["job.succeeded", "job.failed", "job.cancelled"]
ACCOUNT_EVENTS = [
    "connected_account.created",
    "connected_account.status_updated",
    "connected_account.token_refresh_failed",
    "connected_account.deleted",
]


def subscribe(stack: Stack, receiver: WebhookReceiver, name: str, events: list[str]) -> str:
    """Register the receiver path ``name``; returns the signing secret."""
    with stack.api as api:
        response = api.post("/v1/webhooks", json={"url": receiver.url(name), "events": events})
    assert response.status_code == 201, response.text
    secret: str = response.json()["webhook"]["secret"]
    return secret


def verified(secret: str, requests: list[Received]) -> list[dict[str, Any]]:
    """Each body, verified against its Standard Webhooks headers (raises on a bad signature)."""
    return [Webhook(secret).verify(r.body, r.headers) for r in requests]


def events_matching(
    receiver: WebhookReceiver, name: str, secret: str, count: int, **where: Any
) -> list[dict[str, Any]]:
    """At least ``count`` verified events whose ``data`` has the given values (waits for them)."""
    deadline = time.monotonic() + 30
    while True:
        got = [
            e
            for e in verified(secret, receiver.received(name))
            if all(e["data"].get(k) == v for k, v in where.items())
        ]
        if len(got) >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def test_job_events_are_signed_and_echo_metadata(stack: Stack, receiver: WebhookReceiver) -> None:
    """job.succeeded, job.failed (with its error) and job.cancelled arrive signed, with metadata."""
    secret = subscribe(stack, receiver, "jobs", JOB_EVENTS)
    identifier = unique("whjobs")
    assert stack.connect(identifier)["status"] == "ACTIVE"
    meta = {"conversation": "c-42", "n": 1}
    ok = stack.submit(identifier, "hubspot_contacts_list", {"limit": 1}, metadata=meta)
    bad = stack.submit(identifier, "hubspot_contact_get", {"contact_id": "999999999"})
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    scheduled = stack.submit(identifier, "hubspot_contacts_list", {}, run_at=later)
    assert ok.status_code == bad.status_code == scheduled.status_code == 202
    assert ok.json()["job"]["metadata"] == meta
    with stack.api as api:
        api.post(f"/v1/jobs/{scheduled.json()['job']['id']}/cancel").raise_for_status()

    events = events_matching(receiver, "jobs", secret, 3, identifier=identifier)
    by_type = {e["type"]: e for e in events}
    assert sorted(by_type) == sorted(JOB_EVENTS)
    assert len(events) == 3
    assert by_type["job.succeeded"]["data"]["id"] == ok.json()["job"]["id"]
    assert by_type["job.succeeded"]["data"]["metadata"] == meta
    assert by_type["job.succeeded"]["data"]["status"] == "succeeded"
    assert by_type["job.failed"]["data"]["error"]["code"] == "hubspot_error"
    assert by_type["job.failed"]["data"]["error"]["hubspot"]["status"] == 404
    assert by_type["job.cancelled"]["data"]["error"]["code"] == "cancelled"
    assert all(e["timestamp"].endswith("Z") for e in events)


def test_account_lifecycle_events(stack: Stack, receiver: WebhookReceiver) -> None:
    """created, status_updated PENDING->ACTIVE, ACTIVE->REVOKED after an uninstall, deleted."""
    secret = subscribe(stack, receiver, "accounts", ACCOUNT_EVENTS)
    identifier = unique("whacc")
    hub_id = stack.new_portal()
    account = stack.connect(identifier, hub_id=hub_id)
    assert account["status"] == "ACTIVE"
    # When the user uninstalls the app, the next job's 401 and forced refresh detect it.
    stack.sandbox.control.uninstall(hub_id, client_id=CLIENT_ID)
    job = stack.submit(identifier, "hubspot_contacts_list", {}).json()["job"]
    assert stack.wait(job["id"])["error"]["code"] == "account_revoked"
    with stack.api as api:
        api.delete(f"/v1/connected-accounts/hubspot/{identifier}").raise_for_status()

    events = events_matching(receiver, "accounts", secret, 4, identifier=identifier)
    events.sort(key=lambda e: e["timestamp"])  # delivery order is not guaranteed; event time is
    kinds = [(e["type"], e["data"].get("old_status"), e["data"]["status"]) for e in events]
    assert kinds == [
        ("connected_account.created", None, "PENDING"),
        ("connected_account.status_updated", "PENDING", "ACTIVE"),
        ("connected_account.status_updated", "ACTIVE", "REVOKED"),
        ("connected_account.deleted", None, "DISCONNECTED"),
    ]
    assert "rejected the refresh token" in events[2]["data"]["status_reason"]


def test_token_endpoint_outage_reports_refresh_failed(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    """A 503 from /oauth/v3/token yields one token_refresh_failed (rate-limited per account)."""
    secret = subscribe(stack, receiver, "outage", ["connected_account.token_refresh_failed"])
    identifier = unique("whout")
    assert stack.connect(identifier)["status"] == "ACTIVE"
    stack.sandbox.control.add_fault("/oauth/v3/token", method="POST", status=503)
    try:
        events = events_matching(receiver, "outage", secret, 1, identifier=identifier)
        time.sleep(6)  # more failed refreshes happen meanwhile, reported no more than once
        events = events_matching(receiver, "outage", secret, 1, identifier=identifier)
    finally:
        stack.sandbox.control.clear_faults()
    assert [e["type"] for e in events] == ["connected_account.token_refresh_failed"]


def test_failed_deliveries_are_retried_with_the_same_webhook_id(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    """500, 500, then 200: three attempts, one webhook-id, each signed afresh and verifiable."""
    receiver.script("retry", statuses=[500, 500])
    secret = subscribe(stack, receiver, "retry", ["job.succeeded"])
    identifier = unique("whretry")
    stack.connect(identifier)
    job = stack.submit(identifier, "hubspot_contacts_list", {}).json()["job"]
    stack.wait(job["id"])

    requests = receiver.wait_for("retry", 3)
    time.sleep(1.5)  # no fourth attempt after the 200
    requests = receiver.received("retry")
    assert len(requests) == 3
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert [e["data"]["id"] for e in verified(secret, requests)] == [job["id"]] * 3
    with stack.api as api:
        webhook_id = next(
            w["id"] for w in api.get("/v1/webhooks").json()["webhooks"] if "retry" in w["url"]
        )
        deliveries = api.get(f"/v1/webhooks/{webhook_id}/deliveries").json()["deliveries"]
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in deliveries] == [
        ("succeeded", 3, 200)
    ]
    assert deliveries[0]["id"] == requests[0].headers["webhook-id"]


def test_a_slow_receiver_does_not_slow_jobs(stack: Stack, receiver: WebhookReceiver) -> None:
    """Jobs finish while a delivery to an endpoint that takes 5 s to answer is in flight."""
    receiver.script("slow", delay_s=5)
    subscribe(stack, receiver, "slow", ["job.succeeded"])
    identifier = unique("whslow")
    stack.connect(identifier)
    first = stack.submit(identifier, "hubspot_contacts_list", {}).json()["job"]
    assert stack.wait(first["id"])["status"] == "succeeded"
    receiver.wait_for("slow", 1, timeout=10)
    started = time.monotonic()
    ids = [
        stack.submit(identifier, "hubspot_contacts_list", {}).json()["job"]["id"] for _ in range(6)
    ]
    finished = [stack.wait(i)["status"] for i in ids]
    elapsed = time.monotonic() - started
    assert finished == ["succeeded"] * 6
    assert elapsed < 4.0, elapsed  # the first delivery is still being answered
    assert len(receiver.received("slow")) == 1  # one in flight per endpoint


def test_no_token_in_any_delivered_body(stack: Stack, receiver: WebhookReceiver) -> None:
    """No received body holds a stored token, a sandbox-format token or a token field name."""
    secret = subscribe(stack, receiver, "scan", JOB_EVENTS + ACCOUNT_EVENTS)
    identifier = unique("whscan")
    stack.connect(identifier)
    job = stack.submit(identifier, "hubspot_contacts_list", {}).json()["job"]
    stack.wait(job["id"])
    assert events_matching(receiver, "scan", secret, 1, id=job["id"])
    keyring = Keyring.parse(stack.env["TOKEN_ENCRYPTION_KEYS"])
    db = Database(stack.database_url)
    try:
        vault = TokenVault(db=db, keyring=keyring)
        with db.read() as conn:
            ids = [r[0] for r in conn.exec_driver_sql("SELECT account_id FROM tokens")]
        stored = [t for t in (vault.load(i) for i in ids) if t is not None]
    finally:
        db.dispose()
    secrets = [s.access_token.get_secret_value() for s in stored]
    secrets += [s.refresh_token.get_secret_value() for s in stored]
    bodies = [r.body.decode() for r in receiver.requests]
    assert len(stored) >= 1
    assert len(bodies) >= 10
    for body in bodies:
        json.loads(body)
        assert "access_token" not in body
        assert "refresh_token" not in body
        assert re.search(r"na1-[0-9a-f]{4}-", body) is None
        assert not any(s in body for s in secrets)
