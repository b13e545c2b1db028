"""The authorization page driven by headless Chromium, the way a user clicks through it.

Needs a Chromium binary: Playwright's own download or the system's (Debian ``chromium``). Where
neither exists the test is skipped; install ``chromium`` to run it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.support.sandbox_server import ALL_SCOPES, CLIENT_ID, REDIRECT_URI, SandboxServer
from tests.support.services import require


def _chromium(bundled: str) -> str | None:
    if bundled and Path(bundled).exists():
        return bundled
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
def test_connect_app_in_headless_chromium(fresh_sandbox: SandboxServer) -> None:
    """Choosing a portal and clicking "Connect app" lands on the app's redirect URI with a code."""
    from playwright.sync_api import sync_playwright

    fresh_sandbox.control.register_app()
    hub_id = fresh_sandbox.control.create_portal()
    query = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": " ".join(ALL_SCOPES),
        "state": "browser-state",
    }
    with sync_playwright() as playwright:
        executable = _chromium(playwright.chromium.executable_path)
        # A missing browser skips locally but fails in CI, like any live service.
        require(executable is not None, "a Chromium binary (install the chromium package)")
        assert executable is not None
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            # The app's callback is not running: answer it in the browser instead.
            page.route(f"{REDIRECT_URI}**", lambda route: route.fulfill(status=200, body="ok"))
            page.goto(f"{fresh_sandbox.base_url}/oauth/authorize?{urlencode(query)}")
            page.select_option("#hub_id", str(hub_id))
            page.get_by_role("button", name="Connect app").click()
            page.wait_for_url(f"{REDIRECT_URI}**", timeout=10_000)
            landed = page.url
            page.goto(f"{fresh_sandbox.base_url}/oauth/authorize?{urlencode(query)}")
            page.get_by_role("button", name="Deny").click()
            page.wait_for_url(f"{REDIRECT_URI}**", timeout=10_000)
            denied = page.url
        finally:
            browser.close()
    params = parse_qs(urlsplit(landed).query)
    assert params["state"] == ["browser-state"]
    assert fresh_sandbox.exchange_code(landed).hub_id == hub_id
    assert parse_qs(urlsplit(denied).query)["error"] == ["access_denied"]
