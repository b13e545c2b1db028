"""API-key authentication for every ``/v1`` route, checked before routing.

A pure ASGI middleware so that a request without a valid key is refused with 401 whatever the
path (an unknown ``/v1`` path must not reveal that it does not exist). Verified keys are cached
for a few seconds: a revoked key stops working within that time, and a busy API does not hash and
query for every request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from core.errors import ServiceUnavailable

#: How long a verification result is trusted.
CACHE_TTL_S = 5.0

_UNAUTHORIZED = json.dumps(
    {
        "error": {
            "code": "unauthorized",
            "message": "missing or invalid API key (Authorization: Bearer <key>)",
        }
    }
).encode()


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, *, verify: Callable[[str], bool], prefix: str = "/v1") -> None:
        self.app = app
        self.verify = verify
        self.prefix = prefix
        self._cache: dict[str, tuple[bool, float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _under(scope["path"], self.prefix):
            key = bearer_token(scope)
            try:
                valid = key is not None and await self._valid(key)
            except ServiceUnavailable as exc:
                # The key cannot be checked (database down): say so, retryably, not 500.
                await respond_json(send, 503, _unavailable(exc))
                return
            if not valid:
                await respond_json(send, 401, _UNAUTHORIZED, www_authenticate=True)
                return
        await self.app(scope, receive, send)

    async def _valid(self, key: str) -> bool:
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        ok = await run_in_threadpool(self.verify, key)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (ok, now + CACHE_TTL_S)
        return ok


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return str(token.strip())
            return None
    return None


def _unavailable(exc: ServiceUnavailable) -> bytes:
    return json.dumps({"error": exc.to_dict()}).encode()


async def respond_json(
    send: Callable[[Any], Awaitable[None]],
    status: int,
    body: bytes,
    *,
    www_authenticate: bool = False,
) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if www_authenticate:
        headers.append((b"www-authenticate", b'Bearer realm="hubspot-actions"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
