"""The MCP server (DESIGN section 15): the catalog's tools for agents that speak MCP.

One server construction (``server.build_server``) serves two transports:
- Streamable HTTP at ``/mcp`` on the web process (``http.McpHttp``), authenticated per request by
  a short-lived MCP session token (``auth``) that ``POST /v1/mcp-sessions`` hands out
  (``sessions``);
- stdio, for ``hubspot-actions mcp --identifier X`` (``stdio``).

Either way a ``Grant`` fixes who the tools act for and which tools exist: the tools take no
identifier argument, so an agent cannot name another user's account. Tool calls run as jobs
through ``Actions.aexecute_tool`` (``tools``), so retries, limits and token refresh apply.
"""

from producer.mcp.grants import Grant

__all__ = ["Grant"]
