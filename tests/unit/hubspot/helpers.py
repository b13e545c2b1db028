"""Shared test helpers: MockTransport clients, a request value and the secret literals."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from hubspot_client import HubSpotClient, OAuthClient

API_BASE = "https://api.hubapi.test"
ACCESS_TOKEN = "CJSP5qf1KhICAQEYs-gDIIGOBii1hQIyGQAf3xBKmlwHjX7OIpuIFEavB2-qYAGQsF4"
REFRESH_TOKEN = "na1-7f3a-refresh-9c1d-2b4e-6a8f0c1d2e3f"
CLIENT_ID = "5f0e3b8c-client-id"
CLIENT_SECRET = "s3cr3t-client-secret-4b1e9d"
AUTH_CODE = "c0de-3f2a-auth-code-9b7c"
SECRETS = (ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, AUTH_CODE)
#: A fixed "now" for Retry-After HTTP-dates: 2026-01-01T00:00:00Z.
NOW = 1767225600.0

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass(frozen=True, slots=True)
class Req:
    """Structurally identical to ``schemas.tools.request.HubSpotRequest``."""

    method: Literal["GET", "POST", "PATCH", "DELETE"]
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None


class Recorder:
    """A MockTransport handler that records requests and answers with a fixed response."""

    def __init__(self, respond: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self._respond = respond

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self._respond(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def answer(
    status: int,
    body: object = None,
    *,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
) -> Handler:
    """A handler answering ``status`` with a JSON ``body`` (or raw ``content``)."""

    def respond(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        if body is None:
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)

    return respond


def raising(exc_type: type[httpx.RequestError], text: str = "boom") -> Handler:
    """A handler failing as a transport would."""

    def respond(request: httpx.Request) -> httpx.Response:
        raise exc_type(text, request=request)

    return respond


def crm(handler: Handler) -> tuple[HubSpotClient, Recorder]:
    recorder = Recorder(handler)
    client = HubSpotClient(
        api_base=API_BASE,
        connect_timeout=1.0,
        read_timeout=2.0,
        transport=httpx.MockTransport(recorder),
        clock=lambda: NOW,
    )
    return client, recorder


def oauth(handler: Handler) -> tuple[OAuthClient, Recorder]:
    recorder = Recorder(handler)
    client = OAuthClient(
        api_base=API_BASE,
        client_id=CLIENT_ID,
        client_secret=SecretStr(CLIENT_SECRET),
        connect_timeout=1.0,
        read_timeout=2.0,
        transport=httpx.MockTransport(recorder),
        clock=lambda: NOW,
    )
    return client, recorder


def leaked(text: str) -> list[str]:
    """Which secret literals appear in ``text`` (raw or percent-encoded)."""
    from urllib.parse import quote

    return [s for s in SECRETS if s in text or quote(s, safe="") in text]
