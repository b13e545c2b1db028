"""``tools/list`` and ``tools/call`` for one grant: the catalog as MCP tools, calls as jobs.

**Results.** HubSpot's JSON is returned twice: as structured content (for clients that read it)
and as one JSON text block (for clients, and models, that only see text). MCP's structured
content must be a JSON object; HubSpot's answers are objects, and anything else is wrapped as
``{"result": ...}``.

**Errors are results, not protocol errors.** A failed run returns ``isError: true`` with
``{"error": {"code", "message", "retryable", "reauth_link", ...}}`` (``producer.errors.
error_answer``, as the LangChain tools do), so the model can act on it: give the user the link,
fix its input on ``invalid_tool_input``, retry later when ``retryable``. A tool outside the grant
is ``unknown_tool`` the same way: to the caller it does not exist.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import mcp_types as types

from producer.errors import ActionsError, ToolError, error_answer
from producer.mcp.grants import Grant
from schemas.tools import tool_catalog

if TYPE_CHECKING:
    from producer.actions import Actions


def catalog_for(grant: Grant) -> list[dict[str, Any]]:
    """The catalog entries this grant may see, in catalog order (the plain catalog: names and
    the allow-list; ``portal_catalog_for`` adds the portal's options for ``tools/list``)."""
    return [tool for tool in tool_catalog() if grant.allows(tool["name"])]


async def portal_catalog_for(actions: Actions, grant: Grant) -> list[dict[str, Any]]:
    """The grant's tools with input schemas whose enums are its portal's options (DESIGN s13),
    when the portal's schema is cached; read in a thread (the in-process client is blocking)."""
    catalog = await anyio.to_thread.run_sync(
        lambda: actions.list_tools(
            identifier=grant.identifier, connection_name=grant.connection_name
        )
    )
    return [tool for tool in catalog if grant.allows(tool["name"])]


def list_tools(grant: Grant, catalog: list[dict[str, Any]] | None = None) -> types.ListToolsResult:
    return types.ListToolsResult(
        tools=[
            types.Tool(
                name=tool["name"],
                description=tool["description"],
                input_schema=tool["input_schema"],
                annotations=types.ToolAnnotations(read_only_hint=bool(tool.get("read_only"))),
            )
            for tool in (catalog if catalog is not None else catalog_for(grant))
        ]
    )


async def call_tool(
    actions: Actions, grant: Grant, name: str, arguments: dict[str, Any] | None
) -> types.CallToolResult:
    """Run ``name`` as the grant's account, through the pipeline; never raises for a failed run."""
    known = {tool["name"] for tool in catalog_for(grant)}
    if name not in known:
        error = ToolError("unknown_tool", f"no tool named {name!r} in this session")
        return error_result(error_answer(error))
    try:
        result = await actions.aexecute_tool(
            identifier=grant.identifier,
            connection_name=grant.connection_name,
            tool_name=name,
            tool_input=arguments or {},
        )
    except (ActionsError, httpx.HTTPError) as exc:
        return error_result(error_answer(exc))
    structured = result if isinstance(result, dict) else {"result": result}
    return types.CallToolResult(content=[_text(result)], structured_content=structured)


def error_result(answer: dict[str, Any]) -> types.CallToolResult:
    return types.CallToolResult(content=[_text(answer)], structured_content=answer, is_error=True)


def _text(value: Any) -> types.TextContent:
    return types.TextContent(type="text", text=json.dumps(value, ensure_ascii=False))
