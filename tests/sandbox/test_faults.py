"""Injected faults: statuses, latency, Retry-After, counts, probability and dropped connections."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.sandbox.conftest import Crm
from tests.support.sandbox_server import SandboxControlError, SandboxServer

CONTACTS = "/crm/v3/objects/contacts"


def _create(crm: Crm, email: str) -> httpx.Response:
    return crm.call("POST", CONTACTS, json={"properties": {"email": email}})


def _emails(crm: Crm) -> list[str]:
    results = crm.call("GET", CONTACTS, params={"limit": "100"}).json()["results"]
    return [r["properties"]["email"] for r in results]


def test_status_fault_answers_hubspot_shaped_error(crm: Crm) -> None:
    """A status fault answers that status with HubSpot's error body, then stops after count."""
    crm.server.control.add_fault(CONTACTS, status=503, count=2)
    first, second, third = (crm.call("GET", CONTACTS) for _ in range(3))
    assert first.status_code == second.status_code == 503
    body = first.json()
    assert body["status"] == "error"
    assert body["correlationId"] == first.headers["x-hubspot-correlation-id"]
    assert body["category"]
    assert third.status_code == 200


def test_status_fault_is_not_applied(crm: Crm) -> None:
    """A status fault replaces the handler: nothing is written."""
    crm.server.control.add_fault(CONTACTS, method="POST", status=502, count=1)
    assert _create(crm, "a@x.io").status_code == 502
    assert _emails(crm) == []


def test_retry_after_header(crm: Crm) -> None:
    """``retry_after`` adds a Retry-After header; 429 faults use the rate-limit body."""
    crm.server.control.add_fault(CONTACTS, status=429, retry_after=7, count=1)
    response = crm.call("GET", CONTACTS)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert response.json()["errorType"] == "RATE_LIMIT"


def test_latency_alone_delays_the_normal_answer(crm: Crm) -> None:
    """A latency-only fault delays the call, which then succeeds normally."""
    crm.server.control.add_fault(CONTACTS, latency_ms=200, count=1)
    started = time.monotonic()
    response = _create(crm, "slow@x.io")
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 201


def test_client_timing_out_during_latency_still_gets_its_request_applied(crm: Crm) -> None:
    """A client that gives up during the delay has its full request applied, as on HubSpot."""
    crm.server.control.add_fault(CONTACTS, method="POST", latency_ms=400, count=1)
    with pytest.raises(httpx.ReadTimeout):
        crm.call(
            "POST",
            CONTACTS,
            json={"properties": {"email": "late@x.io", "firstname": "Late"}},
            timeout=0.1,
        )
    deadline = time.monotonic() + 5
    while "late@x.io" not in _emails(crm) and time.monotonic() < deadline:
        time.sleep(0.05)
    results = crm.call("GET", CONTACTS, params={"properties": "email,firstname"}).json()
    (late,) = [r for r in results["results"] if r["properties"]["email"] == "late@x.io"]
    assert late["properties"]["firstname"] == "Late"


def test_faults_without_count_last_until_cleared(crm: Crm) -> None:
    """A fault without count keeps firing until ``DELETE /_sandbox/faults``."""
    crm.server.control.add_fault("/crm/v3/objects/deals", status=500)
    assert [crm.call("GET", "/crm/v3/objects/deals").status_code for _ in range(3)] == [500] * 3
    assert crm.call("GET", CONTACTS).status_code == 200  # other paths untouched
    crm.server.control.clear_faults()
    assert crm.call("GET", "/crm/v3/objects/deals").status_code == 200


def test_method_filter(crm: Crm) -> None:
    """A fault with a method leaves other methods alone."""
    crm.server.control.add_fault(CONTACTS, method="post", status=500)
    assert crm.call("GET", CONTACTS).status_code == 200
    assert _create(crm, "a@x.io").status_code == 500


def test_drop_before_raises_and_applies_nothing(crm: Crm) -> None:
    """``drop: before`` drops the connection (a transport error) without applying the request."""
    crm.server.control.add_fault(CONTACTS, method="POST", drop="before", count=1)
    with pytest.raises(httpx.TransportError):
        _create(crm, "lost@x.io")
    assert _emails(crm) == []
    assert crm.server.control.stats()["connections_dropped"] == 1


def test_drop_after_applies_then_raises(crm: Crm) -> None:
    """``drop: after`` creates the contact, then drops the connection: the client sees no answer."""
    crm.server.control.add_fault(CONTACTS, method="POST", drop="after", count=1)
    with pytest.raises(httpx.TransportError):
        _create(crm, "ghost@x.io")
    assert _emails(crm) == ["ghost@x.io"]
    retry = _create(crm, "ghost@x.io")
    assert retry.status_code == 409


def test_drop_with_fresh_connection_each_time(crm: Crm) -> None:
    """Dropped connections do not poison the client's pool: the next call works."""
    crm.server.control.add_fault(CONTACTS, drop="before", count=3)
    for _ in range(3):
        with pytest.raises(httpx.TransportError):
            crm.call("GET", CONTACTS)
    assert crm.call("GET", CONTACTS).status_code == 200


def test_probability(crm: Crm) -> None:
    """Probability 0 never fires, 1 always, 0.5 on roughly half the calls."""
    control = crm.server.control
    control.add_fault(CONTACTS, status=500, probability=0.0)
    assert all(crm.call("GET", CONTACTS).status_code == 200 for _ in range(20))
    control.clear_faults()
    control.add_fault(CONTACTS, status=500, probability=0.5)
    failures = sum(crm.call("GET", CONTACTS).status_code == 500 for _ in range(200))
    assert 50 < failures < 150
    control.clear_faults()
    control.add_fault(CONTACTS, status=500, probability=1.0, count=5)
    assert [crm.call("GET", CONTACTS).status_code for _ in range(6)] == [500] * 5 + [200]


def test_faults_can_hit_token_endpoints(fresh_sandbox: SandboxServer) -> None:
    """Faults apply to OAuth endpoints too (a failing refresh), never to the control API."""
    connection = fresh_sandbox.connect()
    fresh_sandbox.control.add_fault("/", status=503)
    with pytest.raises(SandboxControlError) as failed:
        fresh_sandbox.refresh(connection.tokens.refresh_token)
    assert failed.value.status == 503
    assert fresh_sandbox.control.stats()["faults_applied"] == 1


@pytest.mark.parametrize(
    "spec",
    [
        {"path_prefix": "crm"},
        {"path_prefix": "/x", "drop": "sideways"},
        {"path_prefix": "/x", "probability": 2},
        {"path_prefix": "/x", "count": 0},
        {"path_prefix": "/x", "status": 200},
        {"status": 500},
    ],
)
def test_invalid_faults_are_refused(fresh_sandbox: SandboxServer, spec: dict[str, object]) -> None:
    """Nonsense fault specs are 422."""
    response = fresh_sandbox.http.post("/_sandbox/faults", json=spec)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_fault"
