"""OAuth consent rules: what HubSpot's authorization page accepts, refuses and redirects."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.sandbox_server import (
    ALL_SCOPES,
    CLIENT_ID,
    REDIRECT_URI,
    SandboxControlError,
    SandboxServer,
)

READ_ONLY = ("oauth", "crm.objects.contacts.read")


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_consent_redirects_with_code_and_state(fresh_sandbox: SandboxServer) -> None:
    """A valid consent redirects to the app's URI with a code and the state echoed."""
    control = fresh_sandbox.control
    control.register_app(scopes=READ_ONLY)
    hub_id = control.create_portal()
    url = control.consent(hub_id=hub_id, scope=READ_ONLY, state="abc 123")
    assert url.startswith(REDIRECT_URI + "?")
    query = _query(url)
    assert query["state"] == ["abc 123"]
    assert len(query["code"][0]) >= 20


def test_consent_without_state_sends_none_back(fresh_sandbox: SandboxServer) -> None:
    """No ``state`` in the request means none in the redirect."""
    control = fresh_sandbox.control
    control.register_app(scopes=READ_ONLY)
    hub_id = control.create_portal()
    url = control.consent(hub_id=hub_id, scope=READ_ONLY, state=None)
    assert "state" not in _query(url)


def test_deny_redirects_with_access_denied(fresh_sandbox: SandboxServer) -> None:
    """ "Deny" sends ``error=access_denied`` with a description and the state, and no code."""
    control = fresh_sandbox.control
    control.register_app(scopes=READ_ONLY)
    hub_id = control.create_portal()
    query = _query(control.consent(hub_id=hub_id, scope=READ_ONLY, state="s1", deny=True))
    assert query["error"] == ["access_denied"]
    assert query["error_description"][0]
    assert query["state"] == ["s1"]
    assert "code" not in query


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"client_id": "nobody"}, "unknown_client"),
        ({"redirect_uri": "http://localhost:9999/elsewhere"}, "bad_redirect_uri"),
        ({"scope": "oauth"}, "insufficient_scopes"),
        ({"scope": "oauth crm.objects.contacts.read crm.objects.deals.read"}, "scopes_not_allowed"),
    ],
)
def test_refused_consents_issue_no_code(
    fresh_sandbox: SandboxServer, overrides: dict[str, str], code: str
) -> None:
    """Unknown client, unregistered redirect URI and scope mismatches are refused with 4xx."""
    control = fresh_sandbox.control
    control.register_app(scopes=READ_ONLY)
    hub_id = control.create_portal()
    arguments: dict[str, str] = {"scope": " ".join(READ_ONLY), **overrides}
    with pytest.raises(SandboxControlError) as refused:
        control.consent(hub_id=hub_id, **arguments)  # type: ignore[arg-type]
    assert refused.value.status == 400
    assert refused.value.body["code"] == code
    assert fresh_sandbox.control.stats()["token_grants"] == {}


def test_missing_required_scope_message_is_hubspots(fresh_sandbox: SandboxServer) -> None:
    """A ``scope`` missing a required scope gets HubSpot's captured "Insufficient scopes" text."""
    control = fresh_sandbox.control
    control.register_app(scopes=ALL_SCOPES)
    hub_id = control.create_portal()
    with pytest.raises(SandboxControlError) as refused:
        control.consent(hub_id=hub_id, scope=ALL_SCOPES[:-1])
    assert "Insufficient scopes were provided" in refused.value.body["error"]


def test_portal_lacking_a_required_scope_refuses(fresh_sandbox: SandboxServer) -> None:
    """A portal without a required feature refuses the install."""
    control = fresh_sandbox.control
    control.register_app(scopes=READ_ONLY)
    hub_id = control.create_portal(lacks_scopes=["crm.objects.contacts.read"])
    with pytest.raises(SandboxControlError) as refused:
        control.consent(hub_id=hub_id, scope=READ_ONLY)
    assert refused.value.body["code"] == "account_lacks_features"


def test_optional_scope_dropped_when_portal_lacks_it(fresh_sandbox: SandboxServer) -> None:
    """Optional scopes are granted when the portal has them and silently dropped otherwise."""
    optional = ("crm.objects.deals.read", "crm.objects.companies.read")
    control = fresh_sandbox.control
    control.register_app(scopes=READ_ONLY, optional_scopes=optional)
    hub_id = control.create_portal(lacks_scopes=["crm.objects.deals.read"])
    url = control.consent(hub_id=hub_id, scope=READ_ONLY, optional_scope=optional)
    tokens = fresh_sandbox.exchange_code(url)
    assert tokens.scopes == ("oauth", "crm.objects.contacts.read", "crm.objects.companies.read")


def test_oauth_scope_is_granted_when_declared_even_if_not_requested(
    fresh_sandbox: SandboxServer,
) -> None:
    """``oauth`` appears in the granted scopes whenever the app declares it."""
    control = fresh_sandbox.control
    control.register_app(scopes=READ_ONLY)
    hub_id = control.create_portal()
    url = control.consent(hub_id=hub_id, scope="crm.objects.contacts.read")
    assert fresh_sandbox.exchange_code(url).scopes[0] == "oauth"


def test_unknown_portal_is_404(fresh_sandbox: SandboxServer) -> None:
    """Consenting on a portal that does not exist is refused with 404."""
    fresh_sandbox.control.register_app(scopes=READ_ONLY)
    with pytest.raises(SandboxControlError) as refused:
        fresh_sandbox.control.consent(hub_id=999, scope=READ_ONLY)
    assert refused.value.status == 404


def test_register_app_again_updates_it(fresh_sandbox: SandboxServer) -> None:
    """Registering the same client id again replaces its settings and keeps its app id."""
    first = fresh_sandbox.control.register_app(scopes=READ_ONLY)
    second = fresh_sandbox.control.register_app(scopes=ALL_SCOPES)
    assert first["app_id"] == second["app_id"]
    assert second["scopes"] == list(ALL_SCOPES)
    assert second["client_id"] == CLIENT_ID
