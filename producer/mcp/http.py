"""Streamable HTTP at ``/mcp`` on the web process: the SDK's session manager behind our auth.

**Stateless, JSON responses.** Every POST is served by a fresh transport and answered with one
JSON body: nothing about an MCP connection lives in one web process's memory, so any number of
web processes behind a load balancer serve any client, and a restart loses nothing. The price is
no server-to-client requests (sampling, elicitation), which these tools do not use.

**No DNS-rebinding check.** The SDK's Host/Origin allow-list protects servers that trust whoever
can reach them (a local server without auth). ``/mcp`` trusts only a bearer token, which a
rebinding page cannot read, and the web process's host name is the deployment's to choose.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from starlette.types import ASGIApp

from producer.actions import Actions
from producer.mcp.auth import McpTokenAuth, grant_of_request
from producer.mcp.backend import WebBackend
from producer.mcp.server import build_server
from producer.services import Services
from producer.waiting import JobWaiter

#: Where the web process serves MCP.
MCP_PATH = "/mcp"


class McpHttp:
    """The ``/mcp`` ASGI app and the lifespan its session manager needs (``run``)."""

    def __init__(self, *, services: Services, waiter: JobWaiter) -> None:
        backend = WebBackend(services, waiter)
        self.actions = Actions(backend=backend)
        self.manager = StreamableHTTPSessionManager(
            app=build_server(actions=self.actions, grant_of=grant_of_request),
            stateless=True,
            json_response=True,
        )
        self.app: ASGIApp = McpTokenAuth(
            StreamableHTTPASGIApp(self.manager), verify=services.ctx.mcp_sessions.verify
        )

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        """Enter in the web app's lifespan: the manager's task group serves every request."""
        async with self.manager.run():
            try:
                yield
            finally:
                self.actions.close()
