"""Scopes over time: a configuration that asks for more, and apps that declare otherwise."""

from __future__ import annotations

import html
from collections.abc import Iterator

import httpx
import pytest

from schemas.connection import SCOPE_MATCH_RULE, default_scopes
from tests.support.accounts_stack import AccountsStack, accounts_stack, unique
from tests.support.sandbox_server import SandboxControlError

#: A scope none of the tools needs: added to the configuration to drift it.
EXTRA = "crm.schemas.contacts.read"
#: An optional scope some portals lack.
OPTIONAL = "crm.schemas.deals.read"


@pytest.fixture(scope="module")
def acc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AccountsStack]:
    with accounts_stack(tmp_path_factory.mktemp("scope-drift")) as stack:
        yield stack


def test_adding_a_scope_marks_accounts_until_they_reauthorize(acc: AccountsStack) -> None:
    """HUBSPOT_SCOPES gains a scope: the account needs re-auth naming it (and keeps running the
    tools its grant covers); authorizing again with the updated app clears it."""
    identifier = unique("drift")
    first = acc.connect(identifier)
    acc.restart("web", HUBSPOT_SCOPES=" ".join([*default_scopes(), EXTRA]))
    try:
        drifted = acc.account(identifier)
        assert drifted["status"] == "ACTIVE"
        assert drifted["needs_reauth"] is True
        assert drifted["missing_scopes"] == [EXTRA]
        job = acc.stack.submit(identifier, "hubspot_contacts_list", {"limit": 1}).json()["job"]
        assert acc.stack.wait(job["id"])["status"] == "succeeded"
        acc.declare_scopes([*default_scopes(), EXTRA])
        again = acc.connect(identifier, hub_id=first["hub_id"])
        assert again["id"] == first["id"]
        assert again["missing_scopes"] == []
        assert again["needs_reauth"] is False
        assert EXTRA in again["granted_scopes"]
    finally:
        acc.declare_scopes(default_scopes())
        acc.restart("web", HUBSPOT_SCOPES=" ".join(default_scopes()))


@pytest.mark.parametrize(
    ("declared", "shown", "code"),
    [
        (
            [s for s in default_scopes() if s != "crm.objects.deals.write"],
            "The app developer doesn't have permissions to request the set of scopes.",
            "scopes_not_allowed",
        ),
        (
            [*default_scopes(), EXTRA],
            "Couldn't complete the connection – Insufficient scopes were provided.",
            "insufficient_scopes",
        ),
    ],
    ids=["app-declares-fewer", "app-declares-more"],
)
def test_app_with_other_scopes_stops_the_user_on_hubspots_page(
    acc: AccountsStack, declared: list[str], shown: str, code: str
) -> None:
    """HubSpot shows its error page and never comes back: the account stays PENDING, and the
    rule that explains it (printed by ``connections show``) names what the user saw."""
    identifier = unique("mismatch")
    with acc.app_scopes(declared):
        flow = acc.flow(identifier)
        page = httpx.get(flow.link, timeout=10)
        with pytest.raises(SandboxControlError) as clicked:
            flow.consent()
    assert page.status_code == 400
    assert "location" not in page.headers
    assert shown in html.unescape(page.text)
    assert f'data-error-code="{code}"' in page.text
    assert clicked.value.status == 400
    assert acc.account(identifier)["status"] == "PENDING"
    assert "Couldn't complete the connection" in SCOPE_MATCH_RULE


def test_optional_scope_a_portal_lacks_is_dropped_not_required(acc: AccountsStack) -> None:
    """HUBSPOT_OPTIONAL_SCOPES goes in the link; a portal without it still connects, fully
    ACTIVE, and a portal with it grants it."""
    acc.restart("web", HUBSPOT_OPTIONAL_SCOPES=OPTIONAL)
    acc.declare_scopes(default_scopes(), optional=[OPTIONAL])
    try:
        without = acc.stack.new_portal(lacks_scopes=[OPTIONAL])
        flow = acc.flow(unique("optional_without"))
        assert flow.params["optional_scope"] == OPTIONAL
        lacking = flow.callback(flow.consent(hub_id=without)).json()["connected_account"]
        having = acc.connect(unique("optional_with"))
    finally:
        acc.declare_scopes(default_scopes())
        acc.restart("web", HUBSPOT_OPTIONAL_SCOPES="")
    assert lacking["status"] == "ACTIVE"
    assert OPTIONAL not in lacking["granted_scopes"]
    assert lacking["missing_scopes"] == []
    assert lacking["needs_reauth"] is False
    assert OPTIONAL in having["granted_scopes"]
