"""The few HTTP pieces the sandbox needs, written straight against ASGI.

The sandbox's hot path (an authenticated CRM GET) must stay within 0.8x of a bare FastAPI handler
(DESIGN.md section 11), and fault injection must be able to drop a connection before or after a
request is applied. Both are easier with a thin layer of our own than through a framework's
request/response classes, so this module parses only what a handler asks for, lazily.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from sandbox.oauth.tokens import AccessToken

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: HubSpot's JSON content type, byte for byte as captured (facts 2.1).
JSON_TYPE = b"application/json;charset=utf-8"
HTML_TYPE = b"text/html; charset=utf-8"

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class Request:
    """One request: method, path, path parameters, and lazily parsed query, headers and body."""

    __slots__ = (
        "_form",
        "_query",
        "body",
        "correlation_id",
        "grant",
        "headers",
        "method",
        "params",
        "path",
        "query_string",
    )

    def __init__(
        self,
        *,
        method: str,
        path: str,
        query_string: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        params: dict[str, str],
        correlation_id: str,
    ) -> None:
        self.method = method
        self.path = path
        self.query_string = query_string
        self.headers = headers
        self.body = body
        self.params = params
        self.correlation_id = correlation_id
        #: The access token record once the auth guard has accepted the call (CRM routes only).
        self.grant: AccessToken | None = None
        self._query: dict[str, list[str]] | None = None
        self._form: dict[str, str] | None = None

    @property
    def hub_id(self) -> int:
        """The portal a CRM call acts on: the one its access token belongs to."""
        assert self.grant is not None, "only routes behind the auth guard act on a portal"
        return self.grant.hub_id

    @property
    def query(self) -> dict[str, list[str]]:
        """All query parameters, each with every value it was given."""
        if self._query is None:
            self._query = parse_qs(self.query_string.decode("latin-1"), keep_blank_values=True)
        return self._query

    def query_value(self, name: str) -> str | None:
        """The first value of one query parameter, or None when absent."""
        if not self.query_string:
            return None
        values = self.query.get(name)
        return values[0] if values else None

    def form(self) -> dict[str, str]:
        """The body as ``application/x-www-form-urlencoded`` fields (first value wins)."""
        if self._form is None:
            parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
            self._form = {key: values[0] for key, values in parsed.items()}
        return self._form

    def json(self) -> Any:
        """The body as JSON; raises ``ValueError`` (a ``JSONDecodeError``) when it is not."""
        return json.loads(self.body) if self.body else None


class Response:
    """A complete response: status, body bytes and extra headers (content type included)."""

    __slots__ = ("body", "headers", "status")

    def __init__(
        self, status: int, body: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers if headers is not None else []

    def add_header(self, name: str, value: str) -> None:
        """Append a header; names are sent lowercase, as HTTP/1.1 servers usually do."""
        self.headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))


def json_response(status: int, data: Any) -> Response:
    """A JSON response with HubSpot's content type."""
    return Response(status, _dumps(data).encode("utf-8"), [(b"content-type", JSON_TYPE)])


def html_response(status: int, html: str) -> Response:
    """An HTML page (the consent and error pages)."""
    return Response(status, html.encode("utf-8"), [(b"content-type", HTML_TYPE)])


def redirect_response(location: str) -> Response:
    """A 302 to ``location``: what the consent page does after "Connect app" or "Deny"."""
    return Response(302, b"", [(b"location", location.encode("latin-1"))])


def empty_response(status: int = 204) -> Response:
    """No body (archive and delete calls)."""
    return Response(status)


async def read_body(receive: Receive) -> bytes:
    """Collect the whole request body from ASGI ``http.request`` messages."""
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        return body
    chunks = [body]
    while message.get("more_body", False):
        message = await receive()
        chunks.append(message.get("body", b""))
    return b"".join(chunks)


async def send_response(send: Send, response: Response, correlation_id: str) -> None:
    """Write ``response`` with its length and HubSpot's correlation-id header."""
    headers = response.headers
    headers.append((b"content-length", str(len(response.body)).encode()))
    headers.append((b"x-hubspot-correlation-id", correlation_id.encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
