"""HubSpot's rate limits: 110 per rolling 10 s per app and portal, 5 searches per second."""

from __future__ import annotations

import uuid

from tests.support.sandbox_server import SandboxServer

RATE_HEADERS = (
    "x-hubspot-ratelimit-max",
    "x-hubspot-ratelimit-remaining",
    "x-hubspot-ratelimit-interval-milliseconds",
)


def test_burst_limit_is_110_per_10_seconds(fresh_sandbox: SandboxServer) -> None:
    """110 calls pass with HubSpot's headers counting down; the 111th is TEN_SECONDLY_ROLLING."""
    tokens = fresh_sandbox.connect().tokens
    http = fresh_sandbox.http
    remaining = []
    for _ in range(110):
        response = http.get("/crm/v3/objects/contacts", headers=tokens.headers)
        assert response.status_code == 200
        assert response.headers["x-hubspot-ratelimit-max"] == "110"
        assert response.headers["x-hubspot-ratelimit-interval-milliseconds"] == "10000"
        remaining.append(int(response.headers["x-hubspot-ratelimit-remaining"]))
    assert remaining == list(range(109, -1, -1))
    refused = http.get("/crm/v3/objects/contacts", headers=tokens.headers)
    assert refused.status_code == 429
    assert refused.headers["x-hubspot-ratelimit-remaining"] == "0"
    body = refused.json()
    assert body == {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": refused.headers["x-hubspot-correlation-id"],
        "policyName": "TEN_SECONDLY_ROLLING",
        "requestId": body["requestId"],
    }
    uuid.UUID(body["requestId"])
    assert fresh_sandbox.control.stats()["rate_limited_429"] == 1
    # Ten seconds later (by the sandbox clock) the window is empty again.
    fresh_sandbox.control.advance_clock(10)
    assert http.get("/crm/v3/objects/contacts", headers=tokens.headers).status_code == 200


def test_burst_window_is_per_portal(fresh_sandbox: SandboxServer) -> None:
    """One portal's exhausted window does not limit another portal."""
    fresh_sandbox.control.set_limits(burst_per_10s=2)
    first = fresh_sandbox.connect().tokens
    second = fresh_sandbox.connect().tokens
    http = fresh_sandbox.http
    statuses = [
        http.get("/crm/v3/objects/deals", headers=first.headers).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert http.get("/crm/v3/objects/deals", headers=second.headers).status_code == 200


def test_search_limit_is_5_per_second_without_headers(fresh_sandbox: SandboxServer) -> None:
    """Search has its own 5/s window, answers SECONDLY, and never sends rate-limit headers."""
    tokens = fresh_sandbox.connect().tokens
    http = fresh_sandbox.http
    responses = [
        http.post("/crm/v3/objects/contacts/search", json={}, headers=tokens.headers)
        for _ in range(6)
    ]
    assert [r.status_code for r in responses] == [200] * 5 + [429]
    for response in responses:
        assert not any(name in response.headers for name in RATE_HEADERS)
    body = responses[-1].json()
    assert body["policyName"] == "SECONDLY"
    assert body["message"] == "You have reached your secondly limit."
    assert body["errorType"] == "RATE_LIMIT"
    # Searches do not use up the burst window.
    listed = http.get("/crm/v3/objects/contacts", headers=tokens.headers)
    assert listed.headers["x-hubspot-ratelimit-remaining"] == "109"


def test_limits_control_turns_limits_off_and_down(fresh_sandbox: SandboxServer) -> None:
    """0 switches a limit off (no headers, no 429); small numbers make it bite early."""
    tokens = fresh_sandbox.connect().tokens
    http = fresh_sandbox.http
    fresh_sandbox.control.set_limits(burst_per_10s=0, search_per_second=0)
    for _ in range(120):
        response = http.get("/crm/v3/objects/contacts", headers=tokens.headers)
        assert response.status_code == 200
        assert "x-hubspot-ratelimit-max" not in response.headers
    for _ in range(8):
        search = http.post("/crm/v3/objects/contacts/search", json={}, headers=tokens.headers)
        assert search.status_code == 200
    fresh_sandbox.control.set_limits(burst_per_10s=3)
    statuses = [
        http.get("/crm/v3/objects/contacts", headers=tokens.headers).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_auth_failures_do_not_use_the_window(fresh_sandbox: SandboxServer) -> None:
    """401s are answered before the limiter, so they never count against a portal."""
    fresh_sandbox.control.set_limits(burst_per_10s=1)
    tokens = fresh_sandbox.connect().tokens
    for _ in range(3):
        fresh_sandbox.http.get("/crm/v3/objects/contacts", headers={"Authorization": "Bearer x"})
    assert (
        fresh_sandbox.http.get("/crm/v3/objects/contacts", headers=tokens.headers).status_code
        == 200
    )
