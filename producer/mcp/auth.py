"""``/mcp`` authentication: an MCP session token on every request, or 401 before any MCP.

A pure ASGI wrapper around the SDK's Streamable HTTP app. Each request's ``Authorization: Bearer
<token>`` is verified against the store (no cache: expiry is exact, and a lookup by hash is
cheap); a missing, unknown or expired token is refused with 401 and ``WWW-Authenticate``. A valid
one puts its ``Grant`` in the request's scope, where the server's handlers read it
(``grant_of_request``), and an SDK ``AuthenticatedUser`` naming the session, so that the SDK's
own session-ownership check (stateful mode) compares sessions, not just "somebody logged in".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mcp.server import ServerRequestContext
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from core.errors import ServiceUnavailable
from producer.api.auth import bearer_token, respond_json
from producer.mcp.grants import Grant
from store.mcp_sessions import McpSessionRecord

#: The ASGI scope key carrying a verified request's grant.
GRANT_KEY = "hubspot_actions.mcp_grant"

_UNAUTHORIZED = json.dumps(
    {
        "error": {
            "code": "unauthorized",
            "message": "missing, unknown or expired MCP session token "
            "(POST /v1/mcp-sessions gives one; send Authorization: Bearer <token>)",
        }
    }
).encode()


class McpTokenAuth:
    def __init__(self, app: ASGIApp, *, verify: Callable[[str], McpSessionRecord | None]) -> None:
        self.app = app
        self.verify = verify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = bearer_token(scope)
        try:
            record = await run_in_threadpool(self.verify, token) if token else None
        except ServiceUnavailable as exc:
            await respond_json(send, 503, json.dumps({"error": exc.to_dict()}).encode())
            return
        if record is None or token is None:
            await respond_json(send, 401, _UNAUTHORIZED, www_authenticate=True)
            return
        scope[GRANT_KEY] = grant_of_record(record)
        scope["user"] = AuthenticatedUser(
            AccessToken(
                token=token,
                client_id=record.id,
                scopes=[],
                expires_at=int(record.expires_at.timestamp()),
            )
        )
        await self.app(scope, receive, send)


def grant_of_record(record: McpSessionRecord) -> Grant:
    names = frozenset(record.tool_names) if record.tool_names is not None else None
    return Grant(
        identifier=record.identifier, connection_name=record.connection_name, tool_names=names
    )


def grant_of_request(ctx: ServerRequestContext[Any, Any]) -> Grant:
    """The grant ``McpTokenAuth`` verified for the HTTP request carrying this MCP message."""
    request = ctx.request
    grant = request.scope.get(GRANT_KEY) if request is not None else None
    if not isinstance(grant, Grant):
        # Unreachable behind McpTokenAuth; refuse rather than act for nobody in particular.
        raise PermissionError("this MCP request carries no verified session token")
    return grant
