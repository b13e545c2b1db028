"""``hubspot-actions mcp``: the MCP server over stdio, for an agent that spawns it (DESIGN s15).

    hubspot-actions mcp --identifier user_hs_456 --tools hubspot_contact_create,hubspot_contact_get

Settings are in-process, like ``Actions.from_env()``: the environment, else the directory's
``run`` (``.hubspot-actions/env``). An unknown tool name ends the command (exit code 2) before it
serves anything: a typo must not silently shrink what the agent can do.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import cli_settings
from core.errors import ConfigurationError, HubSpotActionsError
from schemas.accounts import HUBSPOT_CONNECTION


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp)


def mcp(
    identifier: Annotated[str, typer.Option(help="The connected account the tools act for.")],
    tools: Annotated[
        str | None,
        typer.Option(help="Comma-separated tool names the agent may use (default: all)."),
    ] = None,
    connection_name: Annotated[str, typer.Option(help="The connection.")] = HUBSPOT_CONNECTION,
) -> None:
    """Serve the tools over MCP on stdin/stdout, acting for one identifier."""
    import anyio

    from producer import Actions
    from producer.mcp import Grant
    from producer.mcp.sessions import checked_tool_names
    from producer.mcp.stdio import serve_stdio

    cli_settings("mcp", local_run=True)
    names = [n for n in (p.strip() for p in (tools or "").split(",")) if n] if tools else None
    try:
        allowed = checked_tool_names(names)
    except HubSpotActionsError as exc:
        raise ConfigurationError(f"--tools: {exc.message}") from None
    grant = Grant(
        identifier=identifier,
        connection_name=connection_name,
        tool_names=frozenset(allowed) if allowed is not None else None,
    )
    with Actions.from_env() as actions:
        anyio.run(lambda: serve_stdio(actions=actions, grant=grant))
