"""Through the sandbox: PKCE on links (defect 5), links that survive a failed try (defect 6)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import select

from store.models import oauth_states, tokens
from store.oauth_states import state_hash
from tests.support.accounts_stack import AccountsStack, Flow, unique
from tests.support.stack import CLIENT_ID, CLIENT_SECRET


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _callback_url(acc: AccountsStack, **query: str) -> str:
    return f"{acc.env['HUBSPOT_REDIRECT_URI']}?{urlencode(query)}"


def _code(redirect: str) -> str:
    return parse_qs(urlsplit(redirect).query)["code"][0]


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    return error


def _sandbox_enforces_pkce(acc: AccountsStack, flow: Flow) -> bool:
    """Ask the sandbox itself: does a code issued with a challenge refuse a wrong verifier?"""
    redirect = flow.consent()
    form = {
        "grant_type": "authorization_code",
        "code": _code(redirect),
        "redirect_uri": acc.env["HUBSPOT_REDIRECT_URI"],
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code_verifier": "w" * 43,
    }
    return acc.stack.sandbox.http.post("/oauth/v3/token", data=form).status_code == 400


def test_the_link_carries_pkce_bound_to_its_state_row(acc: AccountsStack) -> None:
    """code_challenge_method=S256, the challenge being S256 of the verifier in the state's row."""
    flow = acc.flow(unique("pkce_link"))
    with acc.db.read() as conn:
        verifier = conn.execute(
            select(oauth_states.c.code_verifier).where(
                oauth_states.c.state_hash == state_hash(flow.state)
            )
        ).scalar_one()
    assert flow.params["code_challenge_method"] == "S256"
    assert flow.params["code_challenge"] == _s256(verifier)
    assert verifier not in flow.link


def test_a_code_from_another_users_consent_cannot_complete_this_users_link(
    acc: AccountsStack,
) -> None:
    """Alice's code sent with Bob's state: Bob is not connected to Alice's portal, and Bob's own
    consent on the same link still connects him (issue 10, defect 5)."""
    alice, bob = unique("inject_alice"), unique("inject_bob")
    alice_flow, bob_flow = acc.flow(alice), acc.flow(bob)
    alice_hub = acc.stack.sandbox.control.create_portal()
    alice_code = _code(alice_flow.consent(hub_id=alice_hub))
    injected = Flow.callback(_callback_url(acc, code=alice_code, state=bob_flow.state))
    # -- from here on the outcome depends on the sandbox enforcing PKCE at the exchange (the
    # sandbox's PKCE change, merged by the lead). Without it the sandbox hands out tokens
    # whatever verifier we send, and the product cannot tell the code came from Alice.
    if not _sandbox_enforces_pkce(acc, acc.flow(unique("pkce_probe"))):
        assert injected.status_code == 200  # what the old sandbox allows: the attack "works"
        pytest.xfail("the sandbox does not enforce PKCE yet (code_verifier ignored)")
    error = _error(injected, 400, "oauth_code_rejected")
    assert "BAD_AUTH_CODE" in error["message"]
    bob_account = acc.account(bob)
    assert (bob_account["status"], bob_account["hub_id"]) == ("PENDING", None)
    with acc.db.read() as conn:
        assert (
            conn.execute(
                select(tokens.c.account_id).where(tokens.c.account_id == bob_account["id"])
            ).first()
            is None
        )
    bob_hub = acc.stack.sandbox.control.create_portal()
    connected = bob_flow.callback(bob_flow.consent(hub_id=bob_hub))
    assert connected.status_code == 200, connected.text
    assert connected.json()["connected_account"]["hub_id"] == bob_hub


def test_a_denied_consent_leaves_the_link_usable(acc: AccountsStack) -> None:
    """Deny, then consent with the same link: ACTIVE (issue 10, defect 6)."""
    identifier = unique("deny_retry")
    flow = acc.flow(identifier)
    _error(flow.callback(flow.consent(deny=True)), 403, "access_denied")
    assert acc.account(identifier)["status"] == "PENDING"
    response = flow.callback(flow.consent())
    assert response.status_code == 200, response.text
    assert response.json()["connected_account"]["status"] == "ACTIVE"
    assert acc.account(identifier)["status"] == "ACTIVE"


def test_a_callback_without_a_code_leaves_the_link_usable(acc: AccountsStack) -> None:
    """No code (and no error): 400, then the same link connects; afterwards it is used up."""
    identifier = unique("nocode_retry")
    flow = acc.flow(identifier)
    _error(flow.callback(_callback_url(acc, state=flow.state)), 400, "oauth_code_rejected")
    redirect = flow.consent()
    assert flow.callback(redirect).status_code == 200
    assert acc.account(identifier)["status"] == "ACTIVE"
    _error(flow.callback(flow.consent()), 409, "state_replayed")
