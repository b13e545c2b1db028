"""Opening MCP sessions: validate the grant, mint the token (``POST /v1/mcp-sessions``).

The operator's API key acts for every identifier; an MCP token is what it hands to one agent,
so it is deliberately narrower: one identifier, an allow-list of tools, a lifetime in seconds
(``DEFAULT_TTL_S``, bounded by ``MIN_TTL_S``..``MAX_TTL_S``). The account need not be connected
yet: opening a session creates it when needed (as ``POST /v1/authorization-links`` does), so a
call before the user has authorized answers ``account_pending`` with a link the agent can hand
over, rather than a dead-end ``account_not_found``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.errors import UnknownTool
from producer.accounts import AccountService
from producer.context import ProducerContext
from schemas.tools import tool_catalog

#: A token's lifetime when the request names none (seconds).
DEFAULT_TTL_S = 3600
#: The shortest and longest lifetimes a request may ask for (seconds).
MIN_TTL_S = 60
MAX_TTL_S = 86_400


@dataclass(frozen=True)
class OpenedSession:
    token: str
    expires_at: datetime


@dataclass(eq=False)
class McpSessionService:
    """Opens sessions over the process's context; accounts are created through ``accounts``."""

    ctx: ProducerContext
    accounts: AccountService

    def open(
        self,
        *,
        connection_name: str,
        identifier: str,
        tool_names: Sequence[str] | None,
        ttl_seconds: int = DEFAULT_TTL_S,
    ) -> OpenedSession:
        """A new token for ``identifier``; ``UnknownTool`` names any tool the catalog lacks."""
        names = checked_tool_names(tool_names)
        key = self.accounts.key(connection_name, identifier)
        self.accounts.get_or_create(connection_name=key.connection_name, identifier=key.identifier)
        record, token = self.ctx.mcp_sessions.create(
            connection_name=key.connection_name,
            identifier=key.identifier,
            tool_names=names,
            ttl=timedelta(seconds=ttl_seconds),
        )
        return OpenedSession(token=token, expires_at=record.expires_at)


def checked_tool_names(tool_names: Sequence[str] | None) -> tuple[str, ...] | None:
    """The allow-list, deduplicated in the order given; None (every tool) stays None."""
    if tool_names is None:
        return None
    known = [tool["name"] for tool in tool_catalog()]
    unknown = [name for name in tool_names if name not in known]
    if unknown:
        raise UnknownTool(f"unknown tools {unknown}; valid tools: {', '.join(known)}")
    return tuple(dict.fromkeys(tool_names))
