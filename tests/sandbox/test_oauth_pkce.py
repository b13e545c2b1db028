"""PKCE in the sandbox: a code issued with an S256 challenge needs its verifier at every version."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.sandbox_server import (
    ALL_SCOPES,
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    SandboxControlError,
    SandboxServer,
)

VERSIONS = ["v1", "v3", "2026-03"]
BAD_VERIFIER_V3 = {
    "status": "BAD_AUTH_CODE",
    "message": "code_verifier is missing or does not match the code_challenge",
    "error": "invalid_grant",
    "error_description": "code_verifier is missing or does not match the code_challenge",
}


def _pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _consent(server: SandboxServer, challenge: str | None) -> str:
    server.control.register_app()
    hub_id = server.control.create_portal()
    method = "S256" if challenge is not None else None
    return server.control.consent(
        hub_id=hub_id, code_challenge=challenge, code_challenge_method=method
    )


def _exchange(server: SandboxServer, url: str, version: str, **extra: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": parse_qs(urlsplit(url).query)["code"][0],
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **extra,
    }
    return server.http.post(f"/oauth/{version}/token", data=form)


@pytest.mark.parametrize("version", VERSIONS)
def test_right_verifier_exchanges_the_code(fresh_sandbox: SandboxServer, version: str) -> None:
    """The verifier whose S256 hash is the challenge gets tokens at v1, v3 and 2026-03."""
    verifier, challenge = _pair()
    url = _consent(fresh_sandbox, challenge)
    response = _exchange(fresh_sandbox, url, version, code_verifier=verifier)
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"].startswith("na1-")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("verifier", [None, "wrong-verifier-" + "x" * 40])
def test_missing_or_wrong_verifier_is_bad_auth_code(
    fresh_sandbox: SandboxServer, version: str, verifier: str | None
) -> None:
    """Without the verifier, or with another one, the exchange is 400 BAD_AUTH_CODE."""
    _, challenge = _pair()
    url = _consent(fresh_sandbox, challenge)
    extra = {} if verifier is None else {"code_verifier": verifier}
    response = _exchange(fresh_sandbox, url, version, **extra)
    assert response.status_code == 400
    if version == "v1":
        assert response.json() == {
            "status": "BAD_AUTH_CODE",
            "message": "missing or invalid code_verifier",
        }
    else:
        assert response.json() == BAD_VERIFIER_V3
    assert fresh_sandbox.control.stats()["token_grants"] == {}


def test_refused_verifier_leaves_the_code_usable(fresh_sandbox: SandboxServer) -> None:
    """A wrong verifier does not consume the code: the right one still exchanges it once."""
    verifier, challenge = _pair()
    url = _consent(fresh_sandbox, challenge)
    assert _exchange(fresh_sandbox, url, "v3", code_verifier="nope" * 11).status_code == 400
    assert _exchange(fresh_sandbox, url, "v3", code_verifier=verifier).status_code == 200
    assert _exchange(fresh_sandbox, url, "v3", code_verifier=verifier).status_code == 400


def test_code_without_challenge_ignores_any_verifier(fresh_sandbox: SandboxServer) -> None:
    """A code issued without a challenge exchanges as before, with or without a verifier."""
    first = _consent(fresh_sandbox, None)
    assert _exchange(fresh_sandbox, first, "v3").status_code == 200
    second = fresh_sandbox.control.consent(hub_id=fresh_sandbox.control.create_portal())
    assert _exchange(fresh_sandbox, second, "v3", code_verifier="anything").status_code == 200


@pytest.mark.parametrize(
    ("challenge", "method", "code"),
    [
        ("A" * 43, "plain", "unsupported_code_challenge_method"),
        ("A" * 43, None, "unsupported_code_challenge_method"),
        ("too-short", "S256", "invalid_code_challenge"),
        (None, "S256", "invalid_code_challenge"),
    ],
)
def test_consent_refuses_anything_but_an_s256_challenge(
    fresh_sandbox: SandboxServer, challenge: str | None, method: str | None, code: str
) -> None:
    """``plain``, a missing method or a malformed challenge are a 400 from the consent call."""
    fresh_sandbox.control.register_app()
    hub_id = fresh_sandbox.control.create_portal()
    with pytest.raises(SandboxControlError) as caught:
        fresh_sandbox.control.consent(
            hub_id=hub_id, code_challenge=challenge, code_challenge_method=method
        )
    assert caught.value.status == 400
    assert caught.value.body["code"] == code


def test_authorize_page_carries_the_challenge_to_the_code(fresh_sandbox: SandboxServer) -> None:
    """GET /oauth/authorize keeps the challenge in its form, so the page's code needs PKCE too."""
    verifier, challenge = _pair()
    fresh_sandbox.control.register_app()
    hub_id = fresh_sandbox.control.create_portal()
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": " ".join(ALL_SCOPES),
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = fresh_sandbox.http.get("/oauth/authorize", params=params)
    assert page.status_code == 200
    assert f'name="code_challenge" value="{challenge}"' in page.text
    form: dict[str, Any] = {**params, "hub_id": str(hub_id), "action": "connect"}
    submitted = fresh_sandbox.http.post("/oauth/authorize", data=form)
    assert submitted.status_code == 302
    location = submitted.headers["location"]
    assert _exchange(fresh_sandbox, location, "v3").status_code == 400
    assert _exchange(fresh_sandbox, location, "v3", code_verifier=verifier).status_code == 200


def test_authorize_page_refuses_a_plain_challenge(fresh_sandbox: SandboxServer) -> None:
    """The authorization page shows HubSpot's error page for a ``plain`` challenge."""
    fresh_sandbox.control.register_app()
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": " ".join(ALL_SCOPES),
        "code_challenge": "A" * 43,
        "code_challenge_method": "plain",
    }
    page = fresh_sandbox.http.get("/oauth/authorize", params=params)
    assert page.status_code == 400
    assert "code_challenge_method must be S256" in page.text
