"""Token metadata (v1), introspection and revocation (v3 and 2026-03)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hubspot import HubSpot

from tests.support.sandbox_server import CLIENT_ID, CLIENT_SECRET, SandboxServer

CREDENTIALS = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


def _introspect(server: SandboxServer, version: str = "v3", **form: str) -> httpx.Response:
    return server.http.post(f"/oauth/{version}/token/introspect", data={**CREDENTIALS, **form})


def test_access_token_metadata(fresh_sandbox: SandboxServer) -> None:
    """``GET /oauth/v1/access-tokens/{token}`` answers hub, app, scopes and time left."""
    connection = fresh_sandbox.connect()
    token = connection.tokens.access_token
    body = fresh_sandbox.http.get(f"/oauth/v1/access-tokens/{token}").json()
    assert body["token"] == token
    assert body["hub_id"] == connection.hub_id
    assert body["scopes"] == list(connection.tokens.scopes)
    assert body["token_type"] == "access"
    assert 1790 <= body["expires_in"] <= 1800
    assert {"app_id", "user_id", "user", "hub_domain", "signed_access_token"} <= set(body)
    fresh_sandbox.control.advance_clock(1801)
    assert fresh_sandbox.http.get(f"/oauth/v1/access-tokens/{token}").status_code == 404


def test_signed_access_token_has_install_id_and_audience(fresh_sandbox: SandboxServer) -> None:
    """The signed token names its install (an int, stable per app and portal) and audience, in
    v1 metadata and v3 introspection alike; the SDK reads the v1 answer."""
    connection = fresh_sandbox.connect()
    token = connection.tokens.access_token
    client: Any = HubSpot(host=fresh_sandbox.base_url, client_side_validation=True)
    info = client.oauth.access_tokens_api.get(token)
    assert info.hub_id == connection.hub_id
    signed = fresh_sandbox.http.get(f"/oauth/v1/access-tokens/{token}").json()[
        "signed_access_token"
    ]
    assert isinstance(signed["appInstallId"], int)
    assert signed["audience"] == "marketplace"
    introspected = _introspect(fresh_sandbox, token=token, token_type_hint="access_token").json()
    assert introspected["signed_access_token"]["appInstallId"] == signed["appInstallId"]
    assert introspected["signed_access_token"]["audience"] == "marketplace"
    again = fresh_sandbox.refresh(connection.tokens.refresh_token).access_token
    later = fresh_sandbox.http.get(f"/oauth/v1/access-tokens/{again}").json()
    assert later["signed_access_token"]["appInstallId"] == signed["appInstallId"]


def test_refresh_token_metadata_and_delete(fresh_sandbox: SandboxServer) -> None:
    """Refresh-token metadata; DELETE kills the refresh token but not its access tokens."""
    connection = fresh_sandbox.connect()
    refresh = connection.tokens.refresh_token
    body = fresh_sandbox.http.get(f"/oauth/v1/refresh-tokens/{refresh}").json()
    assert (body["token"], body["client_id"], body["token_type"]) == (refresh, CLIENT_ID, "refresh")
    assert body["hub_id"] == connection.hub_id
    assert fresh_sandbox.http.delete(f"/oauth/v1/refresh-tokens/{refresh}").status_code == 204
    refused = fresh_sandbox.http.post(
        "/oauth/v3/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh, **CREDENTIALS},
    )
    assert refused.json()["status"] == "BAD_REFRESH_TOKEN"
    crm = fresh_sandbox.http.get("/crm/v3/objects/contacts", headers=connection.tokens.headers)
    assert crm.status_code == 200
    assert fresh_sandbox.http.get(f"/oauth/v1/refresh-tokens/{refresh}").status_code == 404


@pytest.mark.parametrize("version", ["v3", "2026-03"])
def test_introspect_access_token_both_request_forms(
    fresh_sandbox: SandboxServer, version: str
) -> None:
    """Introspection accepts the spec's ``token=`` and the doc's ``access_token=`` forms."""
    tokens = fresh_sandbox.connect().tokens
    spec_form = _introspect(
        fresh_sandbox, version, token=tokens.access_token, token_type_hint="access_token"
    )
    doc_form = _introspect(
        fresh_sandbox, version, token_type_hint="access_token", access_token=tokens.access_token
    )
    assert spec_form.json() == doc_form.json() | {"expires_in": spec_form.json()["expires_in"]}
    body = spec_form.json()
    assert body["active"] is True
    assert (body["token_use"], body["token_type"]) == ("access_token", "Bearer")
    assert body["hub_id"] == tokens.hub_id
    assert body["client_id"] == CLIENT_ID


def test_introspect_refresh_token(fresh_sandbox: SandboxServer) -> None:
    """A refresh token introspects as ``token_use: refresh_token``, with or without a hint."""
    tokens = fresh_sandbox.connect().tokens
    hinted = _introspect(
        fresh_sandbox, token_type_hint="refresh_token", refresh_token=tokens.refresh_token
    ).json()
    unhinted = _introspect(fresh_sandbox, token=tokens.refresh_token).json()
    assert hinted == unhinted
    assert hinted["active"] is True
    assert hinted["token_use"] == "refresh_token"


def test_introspect_inactive_tokens(fresh_sandbox: SandboxServer) -> None:
    """Unknown and expired tokens introspect as ``{"active": false}``; bad secrets are 400."""
    tokens = fresh_sandbox.connect().tokens
    assert _introspect(fresh_sandbox, token="nope").json() == {"active": False}
    fresh_sandbox.control.advance_clock(1800)
    assert _introspect(fresh_sandbox, token=tokens.access_token).json() == {"active": False}
    bad = fresh_sandbox.http.post(
        "/oauth/v3/token/introspect",
        data={"client_id": CLIENT_ID, "client_secret": "x", "token": tokens.refresh_token},
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_client"


@pytest.mark.parametrize("version", ["v3", "2026-03"])
def test_revoke_refresh_token(fresh_sandbox: SandboxServer, version: str) -> None:
    """Revoking a refresh token stops refreshes; existing access tokens keep working."""
    tokens = fresh_sandbox.connect().tokens
    response = fresh_sandbox.http.post(
        f"/oauth/{version}/token/revoke",
        data={**CREDENTIALS, "token": tokens.refresh_token, "token_type_hint": "refresh_token"},
    )
    assert response.status_code == 200
    assert _introspect(fresh_sandbox, token=tokens.refresh_token).json() == {"active": False}
    refused = fresh_sandbox.http.post(
        "/oauth/v3/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token, **CREDENTIALS},
    )
    assert refused.status_code == 400
    ok = fresh_sandbox.http.get("/crm/v3/objects/contacts", headers=tokens.headers)
    assert ok.status_code == 200
