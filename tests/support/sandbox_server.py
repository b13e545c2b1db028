"""Run the HubSpot sandbox over real HTTP for tests, and drive its control API.

``running_sandbox()`` starts uvicorn in a background thread on a free 127.0.0.1 port and yields a
``SandboxServer``: its ``base_url``, a typed ``control`` client for ``/_sandbox/*`` and helpers
that do a whole OAuth connection (register app, create portal, consent, exchange the code).
``sandbox_server`` is a session-scoped pytest fixture built on it; ``fresh_sandbox`` resets that
server before each test. Other test packages import them into their ``conftest.py``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn

from sandbox.app import create_app
from sandbox.config import SandboxConfig

CLIENT_ID = "sandbox-test-client"
CLIENT_SECRET = "sandbox-test-secret"
REDIRECT_URI = "http://localhost:8000/oauth/callback"
#: Every scope the 11 tools need, plus ``oauth``.
ALL_SCOPES: tuple[str, ...] = (
    "oauth",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.companies.read",
    "crm.objects.companies.write",
    "crm.objects.deals.read",
    "crm.objects.deals.write",
)


class SandboxControlError(Exception):
    """A control call was refused; ``status`` and ``body`` are the sandbox's answer."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"sandbox control call failed: {status} {body}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class TokenSet:
    """A token endpoint's successful answer."""

    access_token: str
    refresh_token: str
    expires_in: int
    hub_id: int
    scopes: tuple[str, ...]
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> TokenSet:
        """Parse HubSpot's token response."""
        return cls(
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            expires_in=int(body["expires_in"]),
            hub_id=int(body["hub_id"]),
            scopes=tuple(body["scopes"]),
            raw=body,
        )

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization`` header for CRM calls with this access token."""
        return {"Authorization": f"Bearer {self.access_token}"}


class SandboxControl:
    """Typed client for the control API (DESIGN.md section 10)."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._client.request(method, path, json=body)
        if response.status_code >= 400:
            raise SandboxControlError(response.status_code, response.json())
        return response.json()

    def register_app(
        self,
        *,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        redirect_uris: Sequence[str] = (REDIRECT_URI,),
        scopes: Sequence[str] = ALL_SCOPES,
        optional_scopes: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Register (or update) an app; answers its view, with ``app_id``."""
        body = {
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uris": list(redirect_uris),
            "scopes": list(scopes),
            "optional_scopes": list(optional_scopes),
        }
        result: dict[str, Any] = self._call("POST", "/_sandbox/apps", body)
        return result

    def create_portal(self, *, hub_id: int | None = None, lacks_scopes: Sequence[str] = ()) -> int:
        """Create a portal; answers its hub id."""
        body: dict[str, Any] = {"lacks_scopes": list(lacks_scopes)}
        if hub_id is not None:
            body["hub_id"] = hub_id
        return int(self._call("POST", "/_sandbox/portals", body)["hub_id"])

    def consent(
        self,
        *,
        hub_id: int,
        scope: str | Sequence[str] = ALL_SCOPES,
        client_id: str = CLIENT_ID,
        redirect_uri: str = REDIRECT_URI,
        optional_scope: str | Sequence[str] | None = None,
        state: str | None = "state-1",
        deny: bool = False,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
    ) -> str:
        """Click "Connect app" (or "Deny"); answers the redirect URL back to the app."""
        body: dict[str, Any] = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": _spaced(scope),
            "state": state,
            "hub_id": hub_id,
        }
        if optional_scope is not None:
            body["optional_scope"] = _spaced(optional_scope)
        if deny:
            body["deny"] = True
        if code_challenge is not None:
            body["code_challenge"] = code_challenge
        if code_challenge_method is not None:
            body["code_challenge_method"] = code_challenge_method
        return str(self._call("POST", "/_sandbox/consent", body)["redirect_url"])

    def uninstall(self, hub_id: int, client_id: str = CLIENT_ID) -> None:
        """The portal's user uninstalls the app."""
        self._call("POST", f"/_sandbox/portals/{hub_id}/uninstall", {"client_id": client_id})

    def advance_clock(self, seconds: float) -> None:
        """Travel forward in time."""
        self._call("POST", "/_sandbox/clock", {"advance_seconds": seconds})

    def set_limits(
        self, *, burst_per_10s: int | None = None, search_per_second: int | None = None
    ) -> None:
        """Change HubSpot's limits (0 turns one off, None leaves it)."""
        body = {"burst_per_10s": burst_per_10s, "search_per_second": search_per_second}
        self._call("POST", "/_sandbox/limits", {k: v for k, v in body.items() if v is not None})

    def add_fault(
        self,
        path_prefix: str,
        *,
        method: str | None = None,
        status: int | None = None,
        latency_ms: int | None = None,
        retry_after: int | None = None,
        drop: str | None = None,
        count: int | None = None,
        probability: float | None = None,
    ) -> str:
        """Inject a fault; answers its id."""
        spec = {
            "path_prefix": path_prefix,
            "method": method,
            "status": status,
            "latency_ms": latency_ms,
            "retry_after": retry_after,
            "drop": drop,
            "count": count,
            "probability": probability,
        }
        body = {k: v for k, v in spec.items() if v is not None}
        return str(self._call("POST", "/_sandbox/faults", body)["id"])

    def clear_faults(self) -> None:
        """Remove every fault."""
        self._call("DELETE", "/_sandbox/faults")

    def stats(self) -> dict[str, Any]:
        """The sandbox's counters."""
        result: dict[str, Any] = self._call("GET", "/_sandbox/stats")
        return result

    def reset(self) -> None:
        """Forget everything."""
        self._call("POST", "/_sandbox/reset")


@dataclass(frozen=True)
class Connection:
    """A portal connected to an app through the whole OAuth dance."""

    hub_id: int
    tokens: TokenSet
    client_id: str
    client_secret: str


class SandboxServer:
    """A running sandbox: where it listens, its control client and OAuth helpers."""

    def __init__(self, base_url: str, config: SandboxConfig, http: httpx.Client) -> None:
        self.base_url = base_url
        self.config = config
        self.http = http
        self.control = SandboxControl(http)

    def client(self, **kwargs: Any) -> httpx.Client:
        """A new httpx client for this sandbox (the caller closes it)."""
        return httpx.Client(base_url=self.base_url, **kwargs)

    def exchange_code(
        self,
        redirect_url: str,
        *,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        redirect_uri: str = REDIRECT_URI,
        version: str = "v3",
        code_verifier: str | None = None,
    ) -> TokenSet:
        """Exchange the ``code`` of a consent redirect at ``/oauth/{version}/token``."""
        code = parse_qs(urlsplit(redirect_url).query)["code"][0]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        if code_verifier is not None:
            form["code_verifier"] = code_verifier
        return self._token(version, form)

    def refresh(
        self,
        refresh_token: str,
        *,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        version: str = "v3",
    ) -> TokenSet:
        """One ``refresh_token`` grant."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        return self._token(version, form)

    def connect(
        self,
        *,
        scopes: Sequence[str] = ALL_SCOPES,
        optional_scopes: Sequence[str] = (),
        lacks_scopes: Sequence[str] = (),
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        redirect_uri: str = REDIRECT_URI,
    ) -> Connection:
        """Register the app, create a portal, consent and exchange the code: a usable token."""
        self.control.register_app(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uris=(redirect_uri,),
            scopes=scopes,
            optional_scopes=optional_scopes,
        )
        hub_id = self.control.create_portal(lacks_scopes=lacks_scopes)
        url = self.control.consent(
            hub_id=hub_id,
            scope=scopes,
            optional_scope=optional_scopes or None,
            client_id=client_id,
            redirect_uri=redirect_uri,
        )
        tokens = self.exchange_code(
            url, client_id=client_id, client_secret=client_secret, redirect_uri=redirect_uri
        )
        return Connection(hub_id, tokens, client_id, client_secret)

    def _token(self, version: str, form: dict[str, str]) -> TokenSet:
        response = self.http.post(f"/oauth/{version}/token", data=form)
        if response.status_code != 200:
            raise SandboxControlError(response.status_code, response.json())
        return TokenSet.from_json(response.json())


def _spaced(scopes: str | Sequence[str]) -> str:
    return scopes if isinstance(scopes, str) else " ".join(scopes)


@contextmanager
def running_sandbox(config: SandboxConfig | None = None) -> Iterator[SandboxServer]:
    """Serve a sandbox on a free loopback port for the duration of the block.

    It starts empty, or from ``config.state_path``; leaving the block writes that file.
    """
    config = config or SandboxConfig()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(config)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="sandbox", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the sandbox did not start")
        time.sleep(0.01)
    base_url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base_url, timeout=10) as http:
            yield SandboxServer(base_url, config, http)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        app.close()


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """One sandbox for the whole test session (reset it per test with ``fresh_sandbox``)."""
    with running_sandbox() as server:
        yield server


@pytest.fixture
def fresh_sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    """The session sandbox, reset to nothing before the test."""
    sandbox_server.control.reset()
    return sandbox_server
