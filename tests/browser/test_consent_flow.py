"""The whole consent flow in headless Chromium: our link, HubSpot's page, our callback page."""

from __future__ import annotations

import html
from typing import Any

import pytest

from schemas.connection import default_scopes
from tests.support.accounts_stack import AccountsStack, unique

pytestmark = pytest.mark.browser

#: How long a navigation may take on a loaded CI machine (milliseconds).
NAV_TIMEOUT_MS = 20_000


def _consent(acc: AccountsStack, page: Any, identifier: str, button: str) -> Any:
    """Open our link, choose a fresh portal, click ``button``; our callback's response."""
    hub_id = acc.stack.new_portal()
    link = acc.flow(identifier).link
    page.goto(link, timeout=NAV_TIMEOUT_MS)
    page.select_option("#hub_id", str(hub_id))
    with page.expect_response(
        lambda r: r.url.startswith(acc.env["HUBSPOT_REDIRECT_URI"]), timeout=NAV_TIMEOUT_MS
    ) as landed:
        page.get_by_role("button", name=button).click()
    page.wait_for_load_state(timeout=NAV_TIMEOUT_MS)
    return landed.value, hub_id


def test_connect_app_in_chromium_activates_the_account(acc: AccountsStack, page: Any) -> None:
    """Link -> sandbox consent -> choose portal -> "Connect app" -> our page -> ACTIVE."""
    identifier = unique("browser")
    response, hub_id = _consent(acc, page, identifier, "Connect app")
    assert response.status == 200
    assert page.url.startswith(acc.env["HUBSPOT_REDIRECT_URI"] + "?")
    assert page.locator("#title").inner_text() == "Connected"
    assert page.locator("#code").inner_text() == "ACTIVE"
    assert identifier in page.locator("#message").inner_text()
    account = acc.account(identifier)
    assert account["status"] == "ACTIVE"
    assert account["hub_id"] == hub_id
    assert account["needs_reauth"] is False


def test_deny_in_chromium_ends_on_our_page_with_access_denied(
    acc: AccountsStack, page: Any
) -> None:
    """ "Deny" -> our callback page, 403, code access_denied; the account stays PENDING."""
    identifier = unique("browser_deny")
    response, _ = _consent(acc, page, identifier, "Deny")
    assert response.status == 403
    assert page.locator("#title").inner_text() == "Connection failed"
    assert page.locator("#code").inner_text() == "access_denied"
    assert acc.account(identifier)["status"] == "PENDING"


def test_app_with_other_scopes_shows_hubspots_error_page(acc: AccountsStack, page: Any) -> None:
    """An app whose scopes differ from ours: the user sees HubSpot's page, with no way on."""
    with acc.app_scopes([*default_scopes(), "crm.schemas.contacts.read"]):
        response = page.goto(acc.flow(unique("browser_scopes")).link, timeout=NAV_TIMEOUT_MS)
        text = html.unescape(page.content())
    assert response.status == 400
    assert "Couldn't complete the connection" in text
    assert "Insufficient scopes were provided" in text
    assert page.get_by_role("button", name="Connect app").count() == 0
