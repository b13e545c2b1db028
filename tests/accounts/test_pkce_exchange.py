"""PKCE and the link's life, at the product's edge: a fake HubSpot token endpoint (MockTransport).

The fake binds each code it issues to the ``code_challenge`` of the link it was consented on and
refuses an exchange whose ``code_verifier`` does not hash to it, as RFC 7636 has HubSpot do. What
these tests pin is the product's side: the link carries an S256 challenge, the verifier kept with
the state is what the exchange sends, and only a callback that stores tokens uses the link up.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

import fakeredis
import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from core.settings import Settings
from hubspot_client.errors import AuthCodeRejected
from hubspot_client.oauth import OAuthClient
from producer.accounts import AccountService
from producer.context import ProducerContext
from producer.oauth_callback import (
    AccessDenied,
    CallbackResult,
    complete_authorization,
)
from schemas.accounts import AccountStatus
from schemas.connection import default_scopes
from store.keyring import generate_key_spec
from store.migrate import upgrade
from store.models import oauth_states
from store.oauth_states import StateReplayed, state_hash

API_BASE = "https://api.hubapi.test"
#: RFC 7636 section 4.1: 43-128 characters of ALPHA / DIGIT / "-" / "." / "_" / "~".
VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def s256(verifier: str) -> str:
    """RFC 7636's S256, written out here rather than borrowed from the code under test."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class FakeHubSpot:
    """Consent issues a code bound to the link's challenge; the token endpoint checks it."""

    def __init__(self) -> None:
        self.challenges: dict[str, str | None] = {}
        self.portal_of: dict[str, int] = {}
        self.forms: list[dict[str, str]] = []
        self._codes = itertools.count(1)
        self._hubs = itertools.count(9000)

    def consent(self, link: str) -> tuple[str, int]:
        """Approve ``link`` on a fresh portal: the code and the portal's hub id."""
        params = dict(parse_qsl(urlsplit(link).query))
        assert params.get("code_challenge_method") == "S256"
        code = f"code-{next(self._codes)}"
        hub_id = next(self._hubs)
        self.challenges[code] = params["code_challenge"]
        self.portal_of[code] = hub_id
        return code, hub_id

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.read().decode()).items()}
        self.forms.append(form)
        code = form.get("code", "")
        if code not in self.challenges:
            return _bad_code()
        challenge = self.challenges.pop(code)  # single use, whatever the outcome
        if challenge is not None and s256(form.get("code_verifier", "")) != challenge:
            return _bad_code()
        body = {
            "token_type": "bearer",
            "access_token": f"access-{code}",
            "refresh_token": f"na1-refresh-{code}",
            "expires_in": 1800,
            "hub_id": self.portal_of[code],
            "scopes": list(default_scopes()),
        }
        return httpx.Response(200, content=json.dumps(body).encode())


def _bad_code() -> httpx.Response:
    body = {"status": "BAD_AUTH_CODE", "message": "missing or unknown auth code"}
    return httpx.Response(400, content=json.dumps(body).encode())


class NoSchedule:
    """The refresh schedule's seat (Redis is not what these tests are about)."""

    def __init__(self) -> None:
        self.added: dict[str, float] = {}

    def add(self, member: str, due: float) -> None:
        self.added[member] = due

    def remove(self, member: str) -> None:
        self.added.pop(member, None)


class NoDispatch:
    """The portal-schema fetch a completed callback queues: not what these tests look at."""

    def enqueue_portal_schema(self, account_id: str) -> bool:
        return False


@pytest.fixture
def hubspot() -> FakeHubSpot:
    return FakeHubSpot()


@pytest.fixture
def services(tmp_path: Path, hubspot: FakeHubSpot) -> Iterator[AccountService]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'pkce.db'}",
        hubspot_client_id="client-1",
        hubspot_client_secret=SecretStr("secret-1"),
        hubspot_api_base=API_BASE,
        token_encryption_keys=SecretStr(generate_key_spec()),
    )
    ctx = ProducerContext(settings=settings)
    ctx.__dict__["redis"] = fakeredis.FakeRedis()  # webhook events read their version key
    upgrade(ctx.db)
    ctx.__dict__["oauth"] = OAuthClient(
        api_base=API_BASE,
        client_id="client-1",
        client_secret=SecretStr("secret-1"),
        connect_timeout=1.0,
        read_timeout=1.0,
        transport=httpx.MockTransport(hubspot),
    )
    ctx.__dict__["refresh_schedule"] = NoSchedule()
    ctx.__dict__["dispatcher"] = NoDispatch()
    yield AccountService(ctx)
    ctx.close()


def _link(services: AccountService, identifier: str) -> str:
    return services.authorization_link(connection_name="hubspot", identifier=identifier).link


def _state(link: str) -> str:
    return dict(parse_qsl(urlsplit(link).query))["state"]


def _callback(
    services: AccountService, *, state: str, code: str | None = None, error: str | None = None
) -> CallbackResult:
    return complete_authorization(
        services.ctx, services, code=code, state=state, error=error, error_description=None
    )


def _status(services: AccountService, identifier: str) -> AccountStatus:
    return services.get(connection_name="hubspot", identifier=identifier).status


def test_every_link_carries_the_s256_challenge_of_the_verifier_kept_with_its_state(
    services: AccountService,
) -> None:
    """code_challenge is S256 of the state row's verifier; the verifier itself is not in the URL."""
    link = _link(services, "alice")
    params = dict(parse_qsl(urlsplit(link).query))
    with services.ctx.db.read() as conn:
        verifier = conn.execute(
            select(oauth_states.c.code_verifier).where(
                oauth_states.c.state_hash == state_hash(params["state"])
            )
        ).scalar_one()
    assert VERIFIER_RE.match(verifier)
    assert params["code_challenge_method"] == "S256"
    assert params["code_challenge"] == s256(verifier)
    assert verifier not in link
    assert _link(services, "alice") != link  # a fresh verifier (and state) per link


def test_the_exchange_sends_the_verifier_of_the_state_it_came_with(
    services: AccountService, hubspot: FakeHubSpot
) -> None:
    """One exchange, whose code_verifier hashes to the link's challenge: the account is ACTIVE."""
    link = _link(services, "alice")
    challenge = dict(parse_qsl(urlsplit(link).query))["code_challenge"]
    code, hub_id = hubspot.consent(link)
    result = _callback(services, state=_state(link), code=code)
    assert result.account.status == AccountStatus.ACTIVE
    assert result.account.hub_id == hub_id
    (form,) = hubspot.forms
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == code
    assert s256(form["code_verifier"]) == challenge


def test_another_users_code_cannot_complete_this_users_link(
    services: AccountService, hubspot: FakeHubSpot
) -> None:
    """Alice's code with Bob's state is refused at the exchange; Bob stays PENDING and his link
    still completes with his own consent (issue 10, defect 5)."""
    alice_link, bob_link = _link(services, "alice"), _link(services, "bob")
    alice_code, _ = hubspot.consent(alice_link)
    with pytest.raises(AuthCodeRejected):
        _callback(services, state=_state(bob_link), code=alice_code)
    sent = hubspot.forms[-1]["code_verifier"]
    assert s256(sent) == dict(parse_qsl(urlsplit(bob_link).query))["code_challenge"]
    assert _status(services, "bob") == AccountStatus.PENDING
    assert (
        services.ctx.vault.load(services.get(connection_name="hubspot", identifier="bob").id)
        is None
    )
    bob_code, bob_hub = hubspot.consent(bob_link)
    result = _callback(services, state=_state(bob_link), code=bob_code)
    assert (result.account.status, result.account.hub_id) == (AccountStatus.ACTIVE, bob_hub)


def test_a_callback_without_tokens_leaves_the_link_usable(
    services: AccountService, hubspot: FakeHubSpot
) -> None:
    """Denied, then no code: the same link then connects; only that completed callback uses it."""
    link = _link(services, "carol")
    with pytest.raises(AccessDenied):
        _callback(services, state=_state(link), error="access_denied")
    with pytest.raises(AuthCodeRejected):
        _callback(services, state=_state(link))
    assert hubspot.forms == []
    code, _ = hubspot.consent(link)
    assert _callback(services, state=_state(link), code=code).account.status == "ACTIVE"
    again, _ = hubspot.consent(link)
    with pytest.raises(StateReplayed):
        _callback(services, state=_state(link), code=again)
    assert len(hubspot.forms) == 1
