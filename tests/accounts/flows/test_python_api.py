"""``producer.Actions`` for accounts: the in-process and the HTTP modes pass the same tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from producer import Actions
from producer.errors import ActionsError, ToolError
from tests.support.accounts_stack import AccountsStack, Flow, unique

#: What the in-process mode reads from the environment (the stack's own settings).
_ENV_PREFIXES = ("DATABASE_URL", "REDIS_URL", "HUBSPOT_", "TOKEN_ENCRYPTION_KEYS", "OAUTH_", "PORT")


@pytest.fixture(params=["in_process", "http"])
def actions(
    request: pytest.FixtureRequest, acc: AccountsStack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Actions]:
    """``Actions.from_env()`` with the stack's settings, or ``Actions(base_url, api_key)``."""
    if request.param == "in_process":
        for name, value in acc.env.items():
            if name.startswith(_ENV_PREFIXES):
                monkeypatch.setenv(name, value)
        client = Actions.from_env()
    else:
        client = Actions(base_url=acc.stack.base_url, api_key=acc.stack.api_key)
    with client:
        yield client


def test_get_or_create_then_get(actions: Actions) -> None:
    """A new identifier is PENDING, needs re-auth, and is the same account the second time."""
    identifier = unique("py")
    created = actions.get_or_create_connected_account(
        connection_name="hubspot", identifier=identifier
    ).connected_account
    assert created.status == "PENDING"
    assert created.needs_reauth is True
    again = actions.get_or_create_connected_account(
        connection_name="hubspot", identifier=identifier
    )
    assert again.connected_account.id == created.id
    got = actions.get_connected_account(connection_name="hubspot", identifier=identifier)
    assert got.connected_account.id == created.id


def test_link_connect_list_and_delete(actions: Actions, acc: AccountsStack) -> None:
    """Link -> consent -> ACTIVE; listed under ACTIVE; deleted to DISCONNECTED."""
    identifier = unique("py_flow")
    link = actions.get_authorization_link(connection_name="hubspot", identifier=identifier)
    assert link.link.startswith(acc.env["HUBSPOT_AUTHORIZE_URL"] + "?")
    remaining = link.expires_at - datetime.now(UTC)
    assert timedelta(minutes=9) < remaining <= timedelta(minutes=10)
    flow = Flow(acc, identifier, link.link)
    assert flow.callback(flow.consent()).status_code == 200
    account = actions.get_connected_account(identifier=identifier).connected_account
    assert account.status == "ACTIVE"
    assert account.missing_scopes == []
    listed_ids: list[str] = []
    after = None
    while True:
        page = actions.list_connected_accounts(status="ACTIVE", limit=50, after=after)
        assert {a.status for a in page.connected_accounts} <= {"ACTIVE"}
        listed_ids += [a.id for a in page.connected_accounts]
        after = page.next_after
        if after is None:
            break
    assert account.id in listed_ids
    deleted = actions.delete_connected_account(identifier=identifier).connected_account
    assert deleted.status == "DISCONNECTED"
    assert deleted.needs_reauth is True


def test_identifiers_with_url_characters(actions: Actions) -> None:
    """Identifiers may hold ``#``, ``?``, ``%``, ``..`` or non-ASCII: every call finds them."""
    for raw in ("user#1?x=%41", "..", f"ü_{unique('py')}"):
        created = actions.get_or_create_connected_account(identifier=raw).connected_account
        assert created.identifier == raw
        assert actions.get_connected_account(identifier=raw).connected_account.id == created.id
        deleted = actions.delete_connected_account(identifier=raw).connected_account
        assert deleted.id == created.id


def test_errors_carry_the_api_codes(actions: Actions) -> None:
    """Unknown account 404, malformed identifier 422, unknown connection 404: same codes."""
    cases: list[tuple[Callable[[], object], str, int]] = [
        (
            lambda: actions.get_connected_account(identifier=unique("nobody")),
            "account_not_found",
            404,
        ),
        (
            lambda: actions.get_or_create_connected_account(identifier="has space"),
            "invalid_request",
            422,
        ),
        (
            lambda: actions.get_or_create_connected_account(
                connection_name="salesforce", identifier="x"
            ),
            "connection_not_found",
            404,
        ),
        (
            lambda: actions.get_authorization_link(identifier="x", return_url="https://evil.test/"),
            "invalid_request",
            422,
        ),
    ]
    for call, code, status in cases:
        with pytest.raises(ActionsError) as info:
            call()
        assert (info.value.code, info.value.status) == (code, status)


def test_tool_on_a_pending_account_raises_with_a_link(actions: Actions) -> None:
    """``execute_tool`` for an account never authorized: ToolError account_pending + link."""
    identifier = unique("py_pending")
    actions.get_or_create_connected_account(identifier=identifier)
    with pytest.raises(ToolError) as info:
        actions.execute_tool(
            identifier=identifier, tool_name="hubspot_contacts_list", tool_input={"limit": 1}
        )
    assert info.value.code == "account_pending"
    assert info.value.reauth_link is not None
    assert "state=" in info.value.reauth_link
