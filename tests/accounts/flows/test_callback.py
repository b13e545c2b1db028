"""The OAuth callback: each failure has its own 4xx and code, and stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from sqlalchemy import select, update

from schemas.connection import SCOPE_MATCH_RULE, default_scopes
from store.models import oauth_states, tokens
from store.oauth_states import state_hash
from tests.support.accounts_stack import AccountsStack, Flow, unique
from tests.support.stack import CLIENT_ID, CLIENT_SECRET

from .conftest import RETURN_URL


def _nothing_stored(acc: AccountsStack, identifier: str) -> None:
    account = acc.account(identifier)
    assert account["status"] == "PENDING"
    assert account["granted_scopes"] == []
    assert account["hub_id"] is None
    with acc.db.read() as conn:
        row = conn.execute(select(tokens).where(tokens.c.account_id == account["id"])).first()
    assert row is None


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    return error


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return parts._replace(query=urlencode(query)).geturl()


def test_the_link_carries_hubspots_parameters_and_a_bound_state(acc: AccountsStack) -> None:
    """client_id, redirect_uri, the exact scope string and a fresh state; 10 minutes to use it."""
    identifier = unique("link")
    flow = acc.flow(identifier)
    again = acc.flow(identifier)
    params = flow.params
    assert flow.link.startswith(acc.env["HUBSPOT_AUTHORIZE_URL"] + "?")
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == acc.env["HUBSPOT_REDIRECT_URI"]
    assert params["scope"] == " ".join(default_scopes())
    assert "%20" in flow.link  # spaces as %20, the way HubSpot's own helper writes them
    assert "optional_scope" not in params
    assert flow.state != again.state
    with acc.db.read() as conn:
        row = conn.execute(
            select(oauth_states).where(oauth_states.c.state_hash == state_hash(flow.state))
        ).one()
        stored = [r.state_hash for r in conn.execute(select(oauth_states.c.state_hash))]
    assert flow.state not in stored
    assert row.account_id == acc.account(identifier)["id"]
    assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_denied_consent_is_access_denied(acc: AccountsStack) -> None:
    """The user clicks "Deny": 403 access_denied, the account stays PENDING."""
    identifier = unique("deny")
    flow = acc.flow(identifier)
    error = _error(flow.callback(flow.consent(deny=True)), 403, "access_denied")
    assert "access_denied" in error["message"]
    _nothing_stored(acc, identifier)


def test_missing_or_tampered_state_is_invalid(acc: AccountsStack) -> None:
    """No state, or a state with one character changed: 400 invalid_state, nothing stored."""
    identifier = unique("tamper")
    flow = acc.flow(identifier)
    redirect = flow.consent()
    state = flow.state
    tampered = state[:5] + ("A" if state[5] != "A" else "B") + state[6:]
    _error(flow.callback(_with_query(redirect, state=tampered)), 400, "invalid_state")
    no_state = redirect.split("&state=")[0]
    _error(flow.callback(no_state), 400, "invalid_state")
    _nothing_stored(acc, identifier)
    # The untouched state still works: tampering burnt nothing.
    assert flow.callback(redirect).status_code == 200


def test_replayed_callback_is_refused(acc: AccountsStack) -> None:
    """The same redirect twice: 409 state_replayed, the first grant untouched."""
    identifier = unique("replay")
    flow = acc.flow(identifier)
    redirect = flow.consent()
    first = flow.callback(redirect)
    assert first.status_code == 200
    version = acc.tokens_of(first.json()["connected_account"]["id"])
    _error(flow.callback(redirect), 409, "state_replayed")
    after = acc.tokens_of(first.json()["connected_account"]["id"])
    assert version is not None
    assert after is not None
    assert after.version == version.version


def test_expired_state_is_refused(acc: AccountsStack) -> None:
    """A link older than ten minutes: 410 state_expired, nothing stored."""
    identifier = unique("expired")
    flow = acc.flow(identifier)
    with acc.db.write() as conn:
        conn.execute(
            update(oauth_states)
            .where(oauth_states.c.state_hash == state_hash(flow.state))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    _error(flow.callback(flow.consent()), 410, "state_expired")
    _nothing_stored(acc, identifier)


def test_state_bound_to_another_account_is_refused(acc: AccountsStack) -> None:
    """A state whose row points at another account connects nobody, and is burnt."""
    alice, bob = unique("alice"), unique("bob")
    flow = acc.flow(alice)
    acc.flow(bob)
    bob_id = acc.account(bob)["id"]
    with acc.db.write() as conn:
        conn.execute(
            update(oauth_states)
            .where(oauth_states.c.state_hash == state_hash(flow.state))
            .values(account_id=bob_id)
        )
    redirect = flow.consent()
    _error(flow.callback(redirect), 400, "state_account_mismatch")
    _nothing_stored(acc, alice)
    _nothing_stored(acc, bob)
    _error(flow.callback(redirect), 409, "state_replayed")


def test_a_state_completes_only_its_own_account(acc: AccountsStack) -> None:
    """Alice's link connects Alice; Bob, with a link of his own outstanding, stays PENDING."""
    alice, bob = unique("own_alice"), unique("own_bob")
    flow = acc.flow(alice)
    bob_flow = acc.flow(bob)
    assert flow.callback(flow.consent()).status_code == 200
    assert acc.account(alice)["status"] == "ACTIVE"
    _nothing_stored(acc, bob)
    assert bob_flow.callback(bob_flow.consent()).status_code == 200


def test_rejected_code_is_refused(acc: AccountsStack) -> None:
    """A made-up code, or one already exchanged: 400 oauth_code_rejected, nothing stored."""
    identifier = unique("code")
    flow = acc.flow(identifier)
    redirect = flow.consent()
    error = _error(
        flow.callback(_with_query(redirect, code="made-up-code")), 400, "oauth_code_rejected"
    )
    assert "BAD_AUTH_CODE" in error["message"]
    _nothing_stored(acc, identifier)
    used = acc.flow(unique("code_used"))
    used_redirect = used.consent()
    assert used.callback(used_redirect).status_code == 200
    fresh = acc.flow(identifier)
    replayed_code = parse_qs(urlsplit(used_redirect).query)["code"][0]
    consent = fresh.consent()
    _error(fresh.callback(_with_query(consent, code=replayed_code)), 400, "oauth_code_rejected")
    _nothing_stored(acc, identifier)


def test_grant_short_of_required_scopes_is_refused_and_revoked(acc: AccountsStack) -> None:
    """An edited link that drops a scope (the app made it optional): 403 missing_scopes, the
    exact-match rule explained, nothing stored, and the unused grant revoked at HubSpot."""
    identifier = unique("short")
    required = [s for s in default_scopes() if s != "crm.objects.deals.write"]
    with acc.app_scopes(required, optional=["crm.objects.deals.write"]):
        flow = acc.flow(identifier)
        issued_before = len(acc.issued.refresh)
        response = flow.callback(flow.consent(scope=" ".join(required)))
    error = _error(response, 403, "missing_scopes")
    assert error["missing_scopes"] == ["crm.objects.deals.write"]
    assert SCOPE_MATCH_RULE in error["message"]
    _nothing_stored(acc, identifier)
    (discarded,) = acc.issued.refresh[issued_before:]
    form = {
        "grant_type": "refresh_token",
        "refresh_token": discarded,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert acc.stack.sandbox.http.post("/oauth/v3/token", data=form).status_code == 400


def test_other_hubspot_errors_explain_the_scope_rule(acc: AccountsStack) -> None:
    """HubSpot coming back with another error= about scopes: 400 authorization_failed, with
    the exact-match rule."""
    identifier = unique("other_error")
    flow = acc.flow(identifier)
    query = urlencode(
        {"error": "invalid_scope", "error_description": "scope mismatch", "state": flow.state}
    )
    response = flow.callback(f"{acc.env['HUBSPOT_REDIRECT_URI']}?{query}")
    error = _error(response, 400, "authorization_failed")
    assert SCOPE_MATCH_RULE in error["message"]
    _nothing_stored(acc, identifier)


def test_failure_pages_are_html_4xx_with_their_code(acc: AccountsStack) -> None:
    """Without asking for JSON the user sees a page naming the code, with the 4xx status."""
    flow = acc.flow(unique("html"))
    response = Flow.callback(_with_query(flow.consent(), state="nope"), html=True)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "<code id='code'>invalid_state</code>" in response.text


def test_connected_user_is_sent_to_the_allow_listed_return_url(acc: AccountsStack) -> None:
    """An allow-listed return URL gets a 303 with identifier and status; others are refused."""
    identifier = unique("return")
    flow = acc.flow(identifier, return_url=f"{RETURN_URL}?tab=crm")
    response = Flow.callback(flow.consent(), html=True)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"{RETURN_URL}?tab=crm&")
    assert parse_qs(urlsplit(location).query)["status"] == ["ACTIVE"]
    with acc.api() as api:
        for bad in (
            "https://app.example.test.evil.test/hubspot/connected",
            "https://app.example.test/hubspot/connected-evil",
            "https://evil.test/?next=https://app.example.test/hubspot/connected",
            "javascript:alert(1)",
        ):
            refused = api.post(
                "/v1/authorization-links",
                json={"connection_name": "hubspot", "identifier": identifier, "return_url": bad},
            )
            _error(refused, 422, "invalid_request")
