"""The tools as LangChain ``StructuredTool``s, bound to one user (connected account).

    from producer.langchain import get_tools
    tools = get_tools(connection_name="hubspot", identifier="user_hs_456")
    agent = create_agent(model, tools)        # or any loop that calls tool.invoke / ainvoke

Each tool carries the catalog's description and JSON schema (``GET /v1/tools``), so the model
sees exactly what the API validates; its arguments go to the API unchanged (the API accepts the
shapes agents send: lists or comma-separated strings, JSON text for ``filterGroups``, numeric
strings) and are validated there, once.

**Sync and async.** ``invoke`` runs ``Actions.execute_tool``; ``ainvoke`` runs
``Actions.aexecute_tool``, which over HTTP uses ``httpx.AsyncClient`` (the long-poll suspends the
coroutine) and in-process runs the synchronous services on a thread: neither blocks the event
loop, so an agent can run several tool calls at once.

**Errors are answers, not exceptions.** A failed run returns
``{"error": {"code", "message", "retryable", "reauth_link", "job_id", ...}}`` as the tool's
output instead of raising: the model reads it and can act (retry later when ``retryable``, give
the user ``reauth_link`` when the account must be authorized again, fix its input on
``invalid_tool_input``, update the contact named by ``existing_id`` after a duplicate). Raising
would end most agent loops, or reach the model only as an unstructured string.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from producer.errors import ActionsError, error_answer
from schemas.accounts import HUBSPOT_CONNECTION

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

    from producer.actions import Actions


def get_tools(
    *,
    connection_name: str = HUBSPOT_CONNECTION,
    identifier: str,
    tool_names: Iterable[str] | None = None,
    actions: Actions | None = None,
) -> list[StructuredTool]:
    """The tools (all, or ``tool_names`` in that order) acting as ``identifier``'s account.

    ``actions`` defaults to an in-process ``Actions.from_env()``; pass ``Actions(base_url=...,
    api_key=...)`` to go through a remote HTTP API. The schemas are the account's portal's
    (``GET /v1/tools?identifier=``): enums list its stages and options once they are cached.
    """
    from langchain_core.tools import StructuredTool

    if actions is None:
        from producer.actions import Actions

        actions = Actions.from_env()
    # The identifier's portal options (its stages, custom enumerations) when they are cached.
    listed = actions.list_tools(identifier=identifier, connection_name=connection_name)
    catalog = {tool["name"]: tool for tool in listed}
    names = list(tool_names) if tool_names is not None else list(catalog)
    unknown = [name for name in names if name not in catalog]
    if unknown:
        raise ValueError(f"unknown tools {unknown}; valid tools: {', '.join(catalog)}")
    runner = _Runner(actions=actions, connection_name=connection_name, identifier=identifier)
    return [
        StructuredTool.from_function(
            func=runner.sync_for(name),
            coroutine=runner.async_for(name),
            name=name,
            description=catalog[name]["description"],
            args_schema=catalog[name]["input_schema"],
            response_format="content",
        )
        for name in names
    ]


@dataclass(frozen=True, kw_only=True)
class _Runner:
    """Runs one named tool for one account and turns failures into error answers."""

    actions: Actions
    connection_name: str
    identifier: str

    def _job(self, tool_name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
        """What ``execute_tool`` and ``aexecute_tool`` are called with."""
        return {
            "identifier": self.identifier,
            "tool_name": tool_name,
            "tool_input": tool_input,
            "connection_name": self.connection_name,
        }

    def sync_for(self, tool_name: str) -> Any:
        def run(**tool_input: Any) -> Any:
            try:
                return self.actions.execute_tool(**self._job(tool_name, tool_input))
            except (ActionsError, httpx.HTTPError) as exc:
                return error_answer(exc)

        return run

    def async_for(self, tool_name: str) -> Any:
        async def arun(**tool_input: Any) -> Any:
            try:
                return await self.actions.aexecute_tool(**self._job(tool_name, tool_input))
            except (ActionsError, httpx.HTTPError) as exc:
                return error_answer(exc)

        return arun
