"""The control API's counters, including double-refresh detection."""

from __future__ import annotations

from tests.support.sandbox_server import SandboxServer


def test_request_counts_by_route_template(fresh_sandbox: SandboxServer) -> None:
    """Requests are counted per route template and status; control calls are not counted."""
    connection = fresh_sandbox.connect()
    http, headers = fresh_sandbox.http, connection.tokens.headers
    created = http.post("/crm/v3/objects/contacts", json={"properties": {}}, headers=headers)
    http.get(f"/crm/v3/objects/contacts/{created.json()['id']}", headers=headers)
    http.get("/crm/v3/objects/0-1/999999", headers=headers)
    http.get("/crm/v3/properties/contacts", headers=headers)  # a schema read: not a record call
    stats = fresh_sandbox.control.stats()
    assert stats["requests"] == {
        "POST /oauth/v3/token": {"200": 1},
        "POST /crm/v3/objects/contacts": {"201": 1},
        "GET /crm/v3/objects/contacts/{id}": {"200": 1, "404": 1},
        "GET /crm/v3/properties/contacts": {"200": 1},
    }
    assert stats["crm_requests"] == {str(connection.hub_id): 4}
    assert stats["crm_object_requests"] == {str(connection.hub_id): 3}
    assert stats["token_grants"] == {str(connection.hub_id): 1}


def test_refreshes_and_401s_are_counted(fresh_sandbox: SandboxServer) -> None:
    """Refresh grants count per portal; expired and invalid token 401s count separately."""
    connection = fresh_sandbox.connect()
    fresh_sandbox.refresh(connection.tokens.refresh_token)
    fresh_sandbox.control.advance_clock(4000)
    http = fresh_sandbox.http
    http.get("/crm/v3/objects/deals", headers=connection.tokens.headers)
    http.get("/crm/v3/objects/deals", headers={"Authorization": "Bearer nope"})
    http.get("/crm/v3/objects/deals")
    stats = fresh_sandbox.control.stats()
    assert stats["refreshes"] == {str(connection.hub_id): 1}
    assert stats["expired_token_401"] == 1
    assert stats["invalid_token_401"] == 2


def test_racing_refreshes_count_as_a_double_refresh(fresh_sandbox: SandboxServer) -> None:
    """Two refreshes before the new token could have reached anyone: one token refreshed twice."""
    tokens = fresh_sandbox.connect().tokens
    fresh_sandbox.refresh(tokens.refresh_token)
    fresh_sandbox.refresh(tokens.refresh_token)
    stats = fresh_sandbox.control.stats()
    assert stats["double_refreshes"] == 1
    assert stats["refreshes_per_access_token_max"] == 2


def test_disciplined_refreshes_are_not_doubles(fresh_sandbox: SandboxServer) -> None:
    """Refreshing a token that was used, or that has aged, is a normal single refresh."""
    tokens = fresh_sandbox.connect().tokens
    fresh_sandbox.control.advance_clock(1500)
    second = fresh_sandbox.refresh(tokens.refresh_token)
    fresh_sandbox.http.get("/crm/v3/objects/contacts", headers=second.headers)  # delivered
    fresh_sandbox.refresh(tokens.refresh_token)
    fresh_sandbox.control.advance_clock(1500)  # an idle account refreshed on schedule
    fresh_sandbox.refresh(tokens.refresh_token)
    stats = fresh_sandbox.control.stats()
    assert stats["double_refreshes"] == 0
    assert stats["refreshes_per_access_token_max"] == 1
    assert stats["refreshes"] == {str(tokens.hub_id): 3}


def test_reset_forgets_everything(fresh_sandbox: SandboxServer) -> None:
    """After a reset the app, portals, tokens, counters and time offset are gone."""
    connection = fresh_sandbox.connect()
    fresh_sandbox.control.advance_clock(100)
    fresh_sandbox.control.reset()
    stats = fresh_sandbox.control.stats()
    assert stats["requests"] == {}
    assert stats["token_grants"] == {}
    response = fresh_sandbox.http.get("/crm/v3/objects/contacts", headers=connection.tokens.headers)
    assert response.json()["category"] == "INVALID_AUTHENTICATION"


def test_token_presented_to_a_fault_counts_as_delivered(fresh_sandbox: SandboxServer) -> None:
    """A forced refresh after an injected 401 on a brand-new token is not a double refresh."""
    tokens = fresh_sandbox.connect().tokens
    second = fresh_sandbox.refresh(tokens.refresh_token)
    fresh_sandbox.control.add_fault("/crm/v3/objects/contacts", status=401, count=1)
    response = fresh_sandbox.http.get("/crm/v3/objects/contacts", headers=second.headers)
    assert response.status_code == 401
    fresh_sandbox.refresh(tokens.refresh_token)
    assert fresh_sandbox.control.stats()["double_refreshes"] == 0
