"""Token endpoints: v1, v3 and 2026-03 grants, their error bodies, refresh and rotation."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sandbox.config import SandboxConfig
from tests.support.sandbox_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    SandboxServer,
    running_sandbox,
)

BAD_REFRESH_V3 = {
    "error": "invalid_grant",
    "error_description": "refresh token is invalid, expired or revoked",
    "status": "BAD_REFRESH_TOKEN",
    "message": "refresh token is invalid, expired or revoked",
}
BAD_REFRESH_V1 = {"status": "BAD_REFRESH_TOKEN", "message": "missing or invalid refresh token"}


def _code(server: SandboxServer) -> str:
    control = server.control
    control.register_app()
    hub_id = control.create_portal()
    return parse_qs(urlsplit(control.consent(hub_id=hub_id)).query)["code"][0]


def _exchange(
    server: SandboxServer, code: str, version: str = "v3", **extra: str
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **extra,
    }
    return server.http.post(f"/oauth/{version}/token", data=form)


def _refresh(server: SandboxServer, token: str, version: str = "v3") -> httpx.Response:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": token,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    return server.http.post(f"/oauth/{version}/token", data=form)


@pytest.mark.parametrize("version", ["v1", "v3", "2026-03"])
def test_code_exchange_answers_hubspots_token_body(
    fresh_sandbox: SandboxServer, version: str
) -> None:
    """Every token endpoint version exchanges a code for HubSpot's documented token body."""
    response = _exchange(fresh_sandbox, _code(fresh_sandbox), version)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 1800
    assert body["token_use"] == "access_token"
    assert list(fresh_sandbox.control.stats()["token_grants"]) == [str(body["hub_id"])]
    assert body["scopes"][0] == "oauth"
    assert re.fullmatch(r"[A-Za-z0-9_-]{100,}", body["access_token"])
    assert re.fullmatch(r"na1-[0-9a-f]{4}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", body["refresh_token"])


def test_v1_token_accepts_query_parameters(fresh_sandbox: SandboxServer) -> None:
    """v1 also reads its parameters from the query string, as its spec lists them."""
    code = _code(fresh_sandbox)
    params = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    response = fresh_sandbox.http.post("/oauth/v1/token", params=params)
    assert response.status_code == 200
    assert fresh_sandbox.http.post("/oauth/v3/token", params=params).status_code == 400


def test_code_is_single_use(fresh_sandbox: SandboxServer) -> None:
    """A second exchange of the same code is BAD_AUTH_CODE (400)."""
    code = _code(fresh_sandbox)
    assert _exchange(fresh_sandbox, code).status_code == 200
    again = _exchange(fresh_sandbox, code)
    assert again.status_code == 400
    assert again.json()["status"] == "BAD_AUTH_CODE"
    assert again.json()["error"] == "invalid_grant"


def test_bad_auth_code_bodies_v1_and_v3(fresh_sandbox: SandboxServer) -> None:
    """v1 answers ``{status, message}``; v3 adds ``error`` and ``error_description``."""
    fresh_sandbox.control.register_app()
    v1 = _exchange(fresh_sandbox, "nope", "v1")
    v3 = _exchange(fresh_sandbox, "nope", "v3")
    assert v1.status_code == v3.status_code == 400
    assert v1.json() == {"status": "BAD_AUTH_CODE", "message": "missing or invalid auth code"}
    assert set(v3.json()) == {"error", "error_description", "status", "message"}
    assert v3.json()["status"] == "BAD_AUTH_CODE"


def test_code_expires(fresh_sandbox: SandboxServer) -> None:
    """A code exchanged after its lifetime (via the clock) is EXPIRED_AUTH_CODE."""
    code = _code(fresh_sandbox)
    fresh_sandbox.control.advance_clock(fresh_sandbox.config.auth_code_ttl + 1)
    response = _exchange(fresh_sandbox, code)
    assert response.status_code == 400
    assert response.json()["status"] == "EXPIRED_AUTH_CODE"
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"client_secret": "wrong"}, "BAD_CLIENT_SECRET"),
        ({"client_id": "unknown"}, "BAD_CLIENT_ID"),
        ({"redirect_uri": "http://localhost:1/other"}, "BAD_REDIRECT_URI"),
        ({"grant_type": "password"}, "BAD_GRANT_TYPE"),
    ],
)
def test_client_and_redirect_mismatches_are_400(
    fresh_sandbox: SandboxServer, extra: dict[str, str], status: str
) -> None:
    """Wrong secret, unknown client, other redirect URI or grant type: 400, code kept unused."""
    code = _code(fresh_sandbox)
    response = _exchange(fresh_sandbox, code, **extra)
    assert response.status_code == 400
    assert response.json()["status"] == status
    assert _exchange(fresh_sandbox, code).status_code == 200


def test_refresh_keeps_the_refresh_token_by_default(fresh_sandbox: SandboxServer) -> None:
    """Refreshing answers a new access token and the same refresh token, reusable."""
    tokens = fresh_sandbox.connect().tokens
    first = _refresh(fresh_sandbox, tokens.refresh_token).json()
    second = _refresh(fresh_sandbox, tokens.refresh_token).json()
    assert first["refresh_token"] == second["refresh_token"] == tokens.refresh_token
    assert len({tokens.access_token, first["access_token"], second["access_token"]}) == 3
    assert first["hub_id"] == tokens.hub_id
    assert first["scopes"] == list(tokens.scopes)


def test_rotating_refresh_tokens_retire_the_old_one() -> None:
    """With rotation on, each refresh issues a new refresh token and the old one dies."""
    with running_sandbox(SandboxConfig(rotate_refresh_tokens=True)) as server:
        tokens = server.connect().tokens
        rotated = _refresh(server, tokens.refresh_token).json()
        assert rotated["refresh_token"] != tokens.refresh_token
        old = _refresh(server, tokens.refresh_token)
        assert old.status_code == 400
        assert old.json() == BAD_REFRESH_V3
        assert _refresh(server, rotated["refresh_token"]).status_code == 200


def test_token_ttl_comes_from_config() -> None:
    """``expires_in`` is the configured access-token lifetime."""
    with running_sandbox(SandboxConfig(token_ttl=60)) as server:
        assert server.connect().tokens.expires_in == 60


def test_unknown_refresh_token_bodies(fresh_sandbox: SandboxServer) -> None:
    """An unknown refresh token gets the exact v3 and v1 BAD_REFRESH_TOKEN bodies."""
    fresh_sandbox.control.register_app()
    v3 = _refresh(fresh_sandbox, "na1-0000-0000-0000-0000-000000000000")
    v1 = _refresh(fresh_sandbox, "na1-0000-0000-0000-0000-000000000000", "v1")
    assert (v3.status_code, v3.json()) == (400, BAD_REFRESH_V3)
    assert (v1.status_code, v1.json()) == (400, BAD_REFRESH_V1)


def test_each_consent_has_its_own_refresh_token(fresh_sandbox: SandboxServer) -> None:
    """Two consents on one portal give two refresh tokens, both working."""
    control = fresh_sandbox.control
    control.register_app()
    hub_id = control.create_portal()
    first = fresh_sandbox.exchange_code(control.consent(hub_id=hub_id))
    second = fresh_sandbox.exchange_code(control.consent(hub_id=hub_id))
    assert first.refresh_token != second.refresh_token
    assert _refresh(fresh_sandbox, first.refresh_token).status_code == 200
    assert _refresh(fresh_sandbox, second.refresh_token).status_code == 200


def test_uninstall_kills_refresh_and_access_tokens(fresh_sandbox: SandboxServer) -> None:
    """After an uninstall, refreshes are BAD_REFRESH_TOKEN and CRM calls INVALID_AUTHENTICATION."""
    connection = fresh_sandbox.connect()
    headers = connection.tokens.headers
    assert fresh_sandbox.http.get("/crm/v3/objects/contacts", headers=headers).status_code == 200
    fresh_sandbox.control.uninstall(connection.hub_id)
    refused = _refresh(fresh_sandbox, connection.tokens.refresh_token)
    assert (refused.status_code, refused.json()) == (400, BAD_REFRESH_V3)
    crm = fresh_sandbox.http.get("/crm/v3/objects/contacts", headers=headers)
    assert crm.status_code == 401
    assert crm.json()["category"] == "INVALID_AUTHENTICATION"
