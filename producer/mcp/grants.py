"""What an MCP connection may do: act for one account, through an allow-list of tools."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.accounts import HUBSPOT_CONNECTION


@dataclass(frozen=True)
class Grant:
    """Fixed by the transport (the session token, or the stdio command line), never by the agent.

    ``tool_names`` None means every tool of the catalog, including tools added after the grant.
    """

    identifier: str
    connection_name: str = HUBSPOT_CONNECTION
    tool_names: frozenset[str] | None = None

    def allows(self, tool_name: str) -> bool:
        return self.tool_names is None or tool_name in self.tool_names
