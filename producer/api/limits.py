"""Refusing bad requests before any route sees them: oversized bodies, NUL in the URL.

A pure ASGI middleware, because both checks must come before the body is read or the URL is
routed (DESIGN.md section 6):

* a body over ``MAX_REQUEST_BYTES`` answers 413 ``request_too_large``. A declared
  ``Content-Length`` is checked first, so an honest client's 150 MB upload is refused without
  reading a byte; a chunked body is counted while it streams and refused as soon as it passes
  the limit. The body is buffered here (at most the limit) and replayed to the app, which would
  read it whole anyway: the routes never see a partial body.
* a NUL character in the decoded path or query string answers 422 ``invalid_request``.
  PostgreSQL cannot store or compare text holding NUL, so such an id can name nothing; refusing
  it here gives every route (job ids included) the same answer instead of one 404 here and a
  500 there.
"""

from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Default of the ``MAX_REQUEST_BYTES`` setting (DESIGN.md section 2).
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024


class _TooLarge(Exception):
    """The streamed body passed the limit."""


class RequestLimits:
    def __init__(self, app: ASGIApp, *, max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _has_nul(scope):
            await _refuse(send, 422, "invalid_request", "the URL contains a NUL character (%00)")
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_request_bytes:
            await _refuse(send, 413, "request_too_large", self._too_large())
            return
        try:
            first = await self._read_body(receive)
        except _TooLarge:
            await _refuse(send, 413, "request_too_large", self._too_large())
            return
        await self.app(scope, _replay(first, receive), send)

    async def _read_body(self, receive: Receive) -> Message:
        """The whole body as one ``http.request`` message (or the disconnect that ended it)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_request_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_request_bytes} bytes (MAX_REQUEST_BYTES)"


def _replay(first: Message, receive: Receive) -> Receive:
    """``receive`` that hands out the buffered body once, then the real stream (disconnects)."""
    pending = [first]

    async def replayed() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replayed


def _has_nul(scope: Scope) -> bool:
    path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    query: bytes = scope.get("query_string", b"")
    return any(b"\x00" in unquote_to_bytes(part) for part in (path, query))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "retryable": False}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
