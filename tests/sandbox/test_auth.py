"""The guard on CRM calls: 401 bodies and headers, 403 missing scopes."""

from __future__ import annotations

import re
import uuid

from tests.support.sandbox_server import SandboxServer

INVALID_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can"
    " find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


def test_missing_token_is_invalid_authentication(fresh_sandbox: SandboxServer) -> None:
    """No Authorization header: HubSpot's exact 401 INVALID_AUTHENTICATION body and headers."""
    response = fresh_sandbox.http.get("/crm/v3/objects/contacts/1")
    assert response.status_code == 401
    assert response.headers["x-hubspot-auth-failure"] == "401 Unauthorized"
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    correlation_id = response.headers["x-hubspot-correlation-id"]
    uuid.UUID(correlation_id)
    assert response.json() == {
        "status": "error",
        "message": INVALID_MESSAGE,
        "correlationId": correlation_id,
        "category": "INVALID_AUTHENTICATION",
    }


def test_unknown_token_is_invalid_authentication(fresh_sandbox: SandboxServer) -> None:
    """A token the sandbox never issued is INVALID_AUTHENTICATION and counted."""
    headers = {"Authorization": "Bearer not-a-real-token"}
    response = fresh_sandbox.http.get("/crm/v3/objects/deals", headers=headers)
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"
    assert fresh_sandbox.control.stats()["invalid_token_401"] == 1


def test_expired_token_is_expired_authentication(fresh_sandbox: SandboxServer) -> None:
    """Past its lifetime a token gets EXPIRED_AUTHENTICATION with HubSpot's message and context."""
    tokens = fresh_sandbox.connect().tokens
    fresh_sandbox.control.advance_clock(tokens.expires_in + 75)
    response = fresh_sandbox.http.get("/crm/v3/objects/contacts", headers=tokens.headers)
    assert response.status_code == 401
    assert response.headers["x-hubspot-auth-failure"] == "401 Unauthorized"
    body = response.json()
    assert body["category"] == "EXPIRED_AUTHENTICATION"
    assert re.fullmatch(
        r"The OAuth token used to make this call expired 7[5-7] second\(s\) ago\.", body["message"]
    )
    (expire_time,) = body["context"]["expire time"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", expire_time)
    assert body["correlationId"] == response.headers["x-hubspot-correlation-id"]
    assert fresh_sandbox.control.stats()["expired_token_401"] == 1


def test_long_expired_token_message_uses_hours(fresh_sandbox: SandboxServer) -> None:
    """Hours after expiry the message counts hours, as HubSpot's captures show."""
    tokens = fresh_sandbox.connect().tokens
    fresh_sandbox.control.advance_clock(tokens.expires_in + 5 * 3600 + 10)
    body = fresh_sandbox.http.get("/crm/v3/objects/contacts", headers=tokens.headers).json()
    assert body["message"] == "The OAuth token used to make this call expired 5 hour(s) ago."


def test_missing_scope_is_403_missing_scopes(fresh_sandbox: SandboxServer) -> None:
    """A token without any accepted scope gets HubSpot's 403 MISSING_SCOPES body."""
    tokens = fresh_sandbox.connect(scopes=("oauth", "crm.objects.contacts.read")).tokens
    response = fresh_sandbox.http.get("/crm/v3/objects/deals", headers=tokens.headers)
    assert response.status_code == 403
    body = response.json()
    assert body["category"] == "MISSING_SCOPES"
    assert body["links"] == {"scopes": "https://developers.hubspot.com/scopes"}
    assert body["errors"][0]["message"] == "One or more of the following scopes are required."
    assert "crm.objects.deals.read" in body["errors"][0]["context"]["requiredGranularScopes"]
    write = fresh_sandbox.http.post(
        "/crm/v3/objects/contacts", json={"properties": {}}, headers=tokens.headers
    )
    assert write.status_code == 403
    required = write.json()["errors"][0]["context"]["requiredGranularScopes"]
    assert "crm.objects.contacts.write" in required
