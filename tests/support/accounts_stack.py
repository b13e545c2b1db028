"""A pipeline stack for the accounts, OAuth and vault tests (issue 4), with the sandbox's tokens.

``accounts_stack`` runs web, worker and scheduler (``tests.support.stack``) on PostgreSQL or
SQLite with the test Redis database, and records every access and refresh token the sandbox
issues while it runs: the secret-leak tests scan for those literal values, taken from HubSpot's
side rather than from our own vault. ``Flow`` drives the OAuth dance step by step (link, consent,
callback) so tests can stop, tamper or replay at any step.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import redis
from sqlalchemy import update

import sandbox.oauth.tokens as sandbox_tokens
from sandbox.config import SandboxConfig
from schemas.accounts import AccountStatus
from schemas.connection import default_scopes
from store.db import Database
from store.keyring import Keyring
from store.models import accounts
from store.vault import TokenSet, TokenVault
from tests.support.services import (
    REDIS_BASE,
    postgres_available,
    postgres_schema,
    redis_available,
    require,
)
from tests.support.stack import CLIENT_ID, CLIENT_SECRET, Stack, running_stack

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    """A fresh identifier, so tests sharing a stack never see each other's accounts."""
    return f"{prefix}_{next(_counter)}_{uuid.uuid4().hex[:6]}"


@dataclass
class IssuedTokens:
    """Every token value the sandbox handed out (revoked ones included)."""

    access: list[str] = field(default_factory=list)
    refresh: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.access, *self.refresh]


@contextmanager
def recording_issued_tokens() -> Iterator[IssuedTokens]:
    """Wrap the sandbox's token factories (it runs in this process) to remember each value."""
    issued = IssuedTokens()
    real_access: Callable[[], str] = sandbox_tokens.new_access_token
    real_refresh: Callable[[], str] = sandbox_tokens.new_refresh_token

    def access() -> str:
        token = real_access()
        issued.access.append(token)
        return token

    def refresh() -> str:
        token = real_refresh()
        issued.refresh.append(token)
        return token

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sandbox_tokens, "new_access_token", access)
        patch.setattr(sandbox_tokens, "new_refresh_token", refresh)
        yield issued


@dataclass
class AccountsStack:
    """A running stack plus what the accounts tests need to look behind it."""

    stack: Stack
    issued: IssuedTokens
    db: Database
    _generation: int = 0
    _env_overrides: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return self.stack.env

    def api(self) -> httpx.Client:
        return self.stack.api

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.env["REDIS_URL"])

    def restart(self, *components: str, **env: str) -> None:
        """Stop ``components`` (web, worker, scheduler) and start them again with ``env`` added.

        They stop together and start together, as a deployment would roll them. Each new
        process gets a fresh name (and log file), so readiness is judged on its own output; the
        stack still stops it at the end.
        """
        old = [self.stack.processes.pop(c) for c in components]
        with ThreadPoolExecutor(max_workers=len(old)) as pool:
            list(pool.map(lambda proc: proc.stop(), old))
        started = []
        for component in components:
            self._generation += 1
            name = f"{component}-{self._generation}"
            overrides = {**self._env_overrides.get(component, {}), **env}
            self._env_overrides[component] = overrides
            proc = self.stack.start(name, component, env=overrides)
            self.stack.processes[component] = self.stack.processes.pop(name)
            started.append((component, proc))
        for component, proc in started:
            if component == "web":
                proc.wait_http(f"{self.stack.base_url}/healthz")
            else:
                proc.wait_log(f"{component}.started")

    def account(self, identifier: str) -> dict[str, Any]:
        with self.api() as api:
            response = api.get(f"/v1/connected-accounts/hubspot/{identifier}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()["connected_account"]
        return body

    def vault(self, keys: str | None = None) -> TokenVault:
        spec = keys or self.env["TOKEN_ENCRYPTION_KEYS"]
        return TokenVault(db=self.db, keyring=Keyring.parse(spec))

    def tokens_of(self, account_id: str) -> TokenSet | None:
        """The account's tokens, decrypted with the stack's own keys."""
        return self.vault().load(account_id)

    def set_status(self, identifier: str, status: AccountStatus) -> None:
        """Change an account's status behind the system's back (HubSpot revoked it, say)."""
        with self.db.write() as conn:
            conn.execute(
                update(accounts)
                .where(accounts.c.identifier == identifier)
                .values(status=status.value, status_reason="set by the test")
            )

    def declare_scopes(self, scopes: Sequence[str], optional: Sequence[str] = ()) -> None:
        """The operator edits the HubSpot app's Auth settings: its scopes and optional scopes."""
        self.stack.sandbox.control.register_app(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            redirect_uris=(self.env["HUBSPOT_REDIRECT_URI"],),
            scopes=scopes,
            optional_scopes=optional,
        )

    @contextmanager
    def app_scopes(self, scopes: Sequence[str], optional: Sequence[str] = ()) -> Iterator[None]:
        """The app declares other scopes for the block, then ours (``default_scopes()``) again."""
        self.declare_scopes(scopes, optional)
        try:
            yield
        finally:
            self.declare_scopes(default_scopes())

    def flow(self, identifier: str, **link_body: Any) -> Flow:
        """Start an authorization for ``identifier``: mint its link."""
        with self.api() as api:
            response = api.post(
                "/v1/authorization-links",
                json={"connection_name": "hubspot", "identifier": identifier, **link_body},
            )
        assert response.status_code == 200, response.text
        return Flow(self, identifier, response.json()["link"])

    def connect(self, identifier: str, *, hub_id: int | None = None) -> dict[str, Any]:
        """The whole dance; the ACTIVE account view."""
        flow = self.flow(identifier)
        response = flow.callback(flow.consent(hub_id=hub_id))
        assert response.status_code == 200, response.text
        account: dict[str, Any] = response.json()["connected_account"]
        assert account["status"] == "ACTIVE", account
        return account


@dataclass
class Flow:
    """One authorization link and what can be done with it."""

    owner: AccountsStack
    identifier: str
    link: str

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.link).query))

    @property
    def state(self) -> str:
        return self.params["state"]

    def consent(
        self,
        *,
        hub_id: int | None = None,
        deny: bool = False,
        scope: str | None = None,
        state: str | None = None,
    ) -> str:
        """Click "Connect app" (or "Deny") on the sandbox; the redirect URL back to us.

        The link's PKCE challenge goes along, as HubSpot's page carries it from the link.
        """
        control = self.owner.stack.sandbox.control
        params = self.params
        body: dict[str, Any] = {
            "client_id": params["client_id"],
            "redirect_uri": params["redirect_uri"],
            "scope": scope if scope is not None else params["scope"],
            "state": state if state is not None else params["state"],
            "hub_id": hub_id or control.create_portal(),
            "code_challenge": params["code_challenge"],
            "code_challenge_method": params["code_challenge_method"],
        }
        if params.get("optional_scope"):
            body["optional_scope"] = params["optional_scope"]
        if deny:
            body["deny"] = True
        return str(control._call("POST", "/_sandbox/consent", body)["redirect_url"])

    @staticmethod
    def callback(redirect_url: str, *, html: bool = False) -> httpx.Response:
        """Follow HubSpot's redirect to our callback (JSON unless ``html``)."""
        headers = {} if html else {"accept": "application/json"}
        return httpx.get(redirect_url, headers=headers, timeout=30)


@contextmanager
def accounts_stack(
    log_dir: Path,
    *,
    database: str = "postgresql",
    sqlite_path: Path | None = None,
    extra_env: dict[str, str] | None = None,
    sandbox_config: SandboxConfig | None = None,
) -> Iterator[AccountsStack]:
    """Start the stack on ``database`` (``postgresql`` or ``sqlite``) with the test Redis."""
    require(redis_available(), "Redis")
    redis.Redis.from_url(REDIS_BASE).flushdb()
    with ExitStack() as resources:
        log_dir.mkdir(parents=True, exist_ok=True)
        if database == "sqlite":
            assert sqlite_path is not None
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{sqlite_path}"
        else:
            require(postgres_available(), "PostgreSQL")
            url = resources.enter_context(postgres_schema())
        issued = resources.enter_context(recording_issued_tokens())
        stack = resources.enter_context(
            running_stack(
                database_url=url,
                redis_url=REDIS_BASE,
                log_dir=log_dir,
                sandbox_config=sandbox_config,
                extra_env={"SWEEP_INTERVAL_SECONDS": "1", **(extra_env or {})},
            )
        )
        db = Database(url)
        resources.callback(db.dispose)
        yield AccountsStack(stack=stack, issued=issued, db=db)
