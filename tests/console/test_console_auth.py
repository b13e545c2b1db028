"""The console's sign-in, session cookie and CSRF rules, through the app in this process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from producer.api.app import create_app
from producer.console.session import COOKIE_NAME, SessionSigner
from tests.console.conftest import LocalConsole, local_settings

PAGES = ["/console", "/console/accounts", "/console/jobs", "/console/schedules", "/console/failed"]


def sign_in(local: LocalConsole) -> str:
    """Sign in with the bootstrap key; the CSRF token of the overview page."""
    response = local.client.post("/console/signin", data={"api_key": local.api_key})
    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    page = local.client.get("/console")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_redirects_to_sign_in_without_a_cookie(local: LocalConsole, path: str) -> None:
    """No console page is served without a session: 303 to the sign-in page."""
    response = local.client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/signin"


def test_a_wrong_key_is_refused_and_sets_no_cookie(local: LocalConsole) -> None:
    """A key that is not a valid API key: 401, the form again, no session cookie."""
    response = local.client.post("/console/signin", data={"api_key": "hak_wrong"})
    assert response.status_code == 401
    assert "That API key is not valid." in response.text
    assert COOKIE_NAME not in response.cookies
    assert local.client.get("/console").status_code == 303


def test_session_cookie_flags_local(local: LocalConsole) -> None:
    """The cookie is HttpOnly, SameSite=Strict, scoped to /console, expiring; not Secure locally."""
    response = local.client.post("/console/signin", data={"api_key": local.api_key})
    header = response.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert header.startswith(f"{COOKIE_NAME}=")
    assert {"httponly", "samesite", "path", "max-age"} <= attributes
    assert "samesite=strict" in header.lower()
    assert "path=/console" in header.lower()
    assert "max-age=28800" in header.lower()
    assert "secure" not in attributes
    assert local.api_key not in header  # the cookie names the key's id, never the key


def test_session_cookie_is_secure_in_production(tmp_path: Path) -> None:
    """With APP_ENV=production the console's signer marks its cookie Secure."""
    settings = local_settings(
        tmp_path, app_env="production", hubspot_redirect_uri="https://example.com/oauth/callback"
    )
    app = create_app(settings)
    assert app.state.console_signer.secure is True


def test_a_tampered_or_expired_cookie_is_no_session(local: LocalConsole) -> None:
    """A cookie whose signature does not match, signed by another secret, or past its age,
    redirects to sign in."""
    sign_in(local)
    value = local.client.cookies.get(COOKIE_NAME)
    assert value is not None
    local.client.cookies.clear()
    assert (
        local.client.get("/console/jobs", headers={"cookie": f"{COOKIE_NAME}={value}"}).status_code
        == 200
    )
    tampered = value[:-2] + ("aa" if not value.endswith("aa") else "bb")
    other = SessionSigner(secret=b"another secret", secure=False).issue("key_x")[1]
    signer: SessionSigner = local.app.state.console_signer
    stale = SessionSigner(secret=b"s", secure=False, max_age_s=-1)
    for bad in (tampered, other):
        response = local.client.get("/console/jobs", headers={"cookie": f"{COOKIE_NAME}={bad}"})
        assert response.status_code == 303
    assert signer.read(value) is not None
    assert stale.read(stale.issue("key_x")[1]) is None  # past its age


def test_a_post_without_the_csrf_token_is_refused(local: LocalConsole) -> None:
    """A signed-in POST with no CSRF token, or a wrong one, answers 403 and does nothing."""
    csrf = sign_in(local)
    missing = local.client.post("/console/jobs/job_x/retry", data={})
    wrong = local.client.post("/console/jobs/job_x/retry", data={"csrf_token": csrf + "x"})
    assert missing.status_code == 403
    assert wrong.status_code == 403
    ok = local.client.post("/console/jobs/job_x/retry", data={"csrf_token": csrf})
    assert ok.status_code == 303
    assert "refused=job_x%3A+job_not_found" in ok.headers["location"]


def test_a_post_from_another_origin_is_refused(local: LocalConsole) -> None:
    """A POST carrying the right token but another site's Origin answers 403."""
    csrf = sign_in(local)
    response = local.client.post(
        "/console/signout", data={"csrf_token": csrf}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert local.client.get("/console").status_code == 200


def test_a_revoked_key_ends_its_session(local: LocalConsole) -> None:
    """Revoking the API key that signed in makes its cookie worthless at once."""
    sign_in(local)
    keys = local.app.state.services.ctx.api_keys
    (record,) = keys.list()
    assert keys.revoke(record.id)
    assert local.client.get("/console").status_code == 303


def test_sign_out_clears_the_cookie(local: LocalConsole) -> None:
    """Signing out deletes the cookie; the pages redirect to sign in again."""
    csrf = sign_in(local)
    response = local.client.post("/console/signout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/console/signin"
    assert local.client.get("/console").status_code == 303


@pytest.mark.parametrize("path", PAGES)
def test_each_page_renders_once_signed_in(local: LocalConsole, path: str) -> None:
    """Signed in, every page answers 200 HTML with the navigation and a sign-out form."""
    sign_in(local)
    response = local.client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert 'action="/console/signout"' in response.text
