"""MCP over stdio (``hubspot-actions mcp``): one agent process, one grant, in-process services.

The command's grant comes from its own command line, so the agent that spawned it can reach only
that identifier. The services are in-process (``Actions.from_env()``: the database and Redis of
the environment or of the directory's ``run``); tool calls still run as jobs on the workers.
Logs go to stderr: stdout is the protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp.server.stdio import stdio_server

from producer.mcp.grants import Grant
from producer.mcp.server import build_server, fixed_grant

if TYPE_CHECKING:
    from producer.actions import Actions


async def serve_stdio(*, actions: Actions, grant: Grant) -> None:
    """Serve until the client closes stdin."""
    server = build_server(actions=actions, grant_of=fixed_grant(grant))
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
