"""The MCP server, built once for both transports from an ``Actions`` and a grant resolver.

The transports differ only in where the grant comes from: stdio has one, fixed by the command
line; Streamable HTTP has one per request, put there by ``producer.mcp.auth`` from the bearer
token. Resolving it per request (never once per connection) means a request is always judged by
the token it carries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext

from producer.mcp import tools
from producer.mcp.grants import Grant

if TYPE_CHECKING:
    from producer.actions import Actions

#: How the server names itself to clients.
SERVER_NAME = "hubspot-actions"
SERVER_VERSION = "0.1.0"
INSTRUCTIONS = (
    "HubSpot CRM tools acting for one connected account. A failed call returns isError with "
    "error.code; when error.reauth_link is set, the user must open it to (re-)authorize HubSpot."
)

GrantResolver = Callable[[ServerRequestContext[Any, Any]], Grant]


def build_server(*, actions: Actions, grant_of: GrantResolver) -> Server[Any]:
    """A low-level server whose two handlers defer to ``producer.mcp.tools``."""

    async def on_list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        grant = grant_of(ctx)
        return tools.list_tools(grant, await tools.portal_catalog_for(actions, grant))

    async def on_call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        return await tools.call_tool(actions, grant_of(ctx), params.name, params.arguments)

    return Server(
        SERVER_NAME,
        version=SERVER_VERSION,
        instructions=INSTRUCTIONS,
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
    )


def fixed_grant(grant: Grant) -> GrantResolver:
    """The resolver of a transport with one grant for its whole life (stdio)."""
    return lambda ctx: grant
