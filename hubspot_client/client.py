"""The CRM client: one thread-safe ``httpx.Client`` per worker process, one user token per call.

Worker threads share a single connection pool, so the token is not a client setting: ``send``
takes it per call and puts it in the one header built here. There are no event hooks and no
logging in this module, so nothing can print the header; callers log ``correlation_id``.

Every failure leaves as a :mod:`hubspot_client.errors` type, built in :mod:`.translate`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import quote

import httpx

from hubspot_client.errors import HubSpotError, HubSpotUnauthorized
from hubspot_client.parsing import (
    correlation_id,
    make_redactor,
    parse_json,
    parse_rate_limit,
)
from hubspot_client.responses import HubSpotResponse
from hubspot_client.translate import crm_error, translated_transport_errors, unreadable_success

#: Sent on every call so HubSpot (and the sandbox) can tell our traffic apart.
DEFAULT_USER_AGENT = "hubspot-actions/0.1"

#: A token HubSpot could issue: printable ASCII, no spaces. Anything else is corrupt and is not
#: sent (a newline would make h11 quote the header in its exception text).
_TOKEN_RE = re.compile(r"^[\x21-\x7e]+$")


class HubSpotRequestLike(Protocol):
    """Structurally ``schemas.tools.request.HubSpotRequest`` (method, path, params, json).

    Read-only properties so that a frozen dataclass satisfies it.
    """

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def params(self) -> Mapping[str, str]: ...
    @property
    def json(self) -> dict[str, Any] | None: ...


def new_http_client(
    *,
    api_base: str,
    connect_timeout: float,
    read_timeout: float,
    transport: httpx.BaseTransport | None,
    max_connections: int,
    user_agent: str,
) -> httpx.Client:
    """The ``httpx.Client`` both HubSpot clients use.

    Redirects are not followed (a 3xx is an error, never a second hop with the token), and the
    wait for a pooled connection is bounded by the connect timeout: a ``PoolTimeout`` means
    nothing was sent, so it is safe to retry.
    """
    return httpx.Client(
        base_url=api_base,
        timeout=httpx.Timeout(
            connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
        ),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        headers={"User-Agent": user_agent, "Accept": "application/json"},
        follow_redirects=False,
        transport=transport,
    )


@dataclass(frozen=True, slots=True)
class _Read:
    """A parameterless GET, for the client's own typed reads."""

    path: str
    method: str = "GET"
    params: Mapping[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None


class HubSpotClient:
    """Sends tool requests to HubSpot's CRM API. Safe to share between threads."""

    def __init__(
        self,
        *,
        api_base: str,
        connect_timeout: float,
        read_timeout: float,
        transport: httpx.BaseTransport | None = None,
        max_connections: int = 64,
        user_agent: str = DEFAULT_USER_AGENT,
        clock: Callable[[], float] = time.time,
        on_response: Callable[[int | None], None] | None = None,
    ) -> None:
        """``on_response`` hears of every call's HTTP status (``None`` when no answer came: a
        transport error), for metrics; it must be quick and must not raise."""
        self._http = new_http_client(
            api_base=api_base,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            transport=transport,
            max_connections=max_connections,
            user_agent=user_agent,
        )
        self._clock = clock
        self._on_response = on_response

    def send(self, request: HubSpotRequestLike, *, access_token: str) -> HubSpotResponse:
        """Send ``request`` as the token's owner; return the 2xx answer or raise a typed error.

        Raises ``ValueError`` for a path that is not relative to the API base (an absolute URL
        would carry the token to another host).
        """
        if not request.path.startswith("/") or request.path.startswith("//"):
            raise ValueError("HubSpot request paths must start with a single '/'")
        if not _TOKEN_RE.match(access_token):
            raise HubSpotUnauthorized("The stored access token is malformed; it was not sent")
        http_request = self._http.build_request(
            request.method,
            request.path,
            params=dict(request.params) or None,
            json=request.json,
            headers={"Authorization": f"Bearer {access_token}"},
        )
        started = time.perf_counter()
        try:
            with translated_transport_errors(oauth=False):
                response = self._http.send(http_request)
        except HubSpotError:
            self._heard(None)
            raise
        self._heard(response.status_code)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        if not response.is_success:
            raise crm_error(response, now=self._clock(), redact=make_redactor([access_token]))
        return self._success(response, elapsed_ms)

    def get_properties(self, object_type: str, *, access_token: str) -> HubSpotResponse:
        """``GET /crm/v3/properties/{type}``: every property definition of the type, options
        included (the portal schema cache, DESIGN.md section 13). Needs any one of
        ``crm.schemas.{type}.read`` or the type's ``crm.objects`` scopes."""
        path = f"/crm/v3/properties/{quote(object_type, safe='')}"
        return self.send(_Read(path), access_token=access_token)

    def get_deal_pipelines(self, *, access_token: str) -> HubSpotResponse:
        """``GET /crm/v3/pipelines/deals``: every deal pipeline with its stages (no paging)."""
        return self.send(_Read("/crm/v3/pipelines/deals"), access_token=access_token)

    def close(self) -> None:
        self._http.close()

    def _heard(self, status_code: int | None) -> None:
        if self._on_response is not None:
            self._on_response(status_code)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @staticmethod
    def _success(response: httpx.Response, elapsed_ms: float) -> HubSpotResponse:
        body: Any = None
        if response.content.strip():
            try:
                body = parse_json(response.content)
            except ValueError as exc:
                raise unreadable_success(response) from exc
        return HubSpotResponse(
            status_code=response.status_code,
            body=body,
            correlation_id=correlation_id(response.headers),
            rate_limit=parse_rate_limit(response.headers),
            elapsed_ms=elapsed_ms,
        )
