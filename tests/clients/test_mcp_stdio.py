"""MCP over stdio (``python -m cli mcp --identifier X``) with the official SDK spawning it, and
an agent loop over MCP driven by a scripted model: no LangChain, no network but our stack."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types
import pytest
from mcp import ClientSession

from tests.support.mcp_client import http_session, open_session, stdio_session, text_json
from tests.support.stack import Stack
from tests.support.tools_stack import connected, unique

pytestmark = [pytest.mark.e2e, pytest.mark.services]

CREATE, GET = "hubspot_contact_create", "hubspot_contact_get"


def test_stdio_lists_and_calls_for_its_identifier(stack: Stack) -> None:
    """The spawned command lists only --tools and runs a create through the workers."""
    identifier, _ = connected(stack, "mcp_stdio")
    email = f"{unique('lin')}@example.com"

    async def scenario() -> tuple[list[str], types.CallToolResult, types.CallToolResult]:
        async with stdio_session(stack, identifier, "--tools", f"{CREATE},{GET}") as session:
            names = [t.name for t in (await session.list_tools()).tools]
            created = await session.call_tool(CREATE, {"email": email, "firstname": "Lin"})
            refused = await session.call_tool("hubspot_deal_create", {"dealname": "x"})
            return names, created, refused

    names, created, refused = asyncio.run(scenario())
    assert names == [CREATE, GET]
    assert created.is_error is False, created
    assert created.structured_content["properties"]["email"] == email
    assert text_json(created) == created.structured_content
    assert refused.is_error is True
    assert refused.structured_content["error"]["code"] == "unknown_tool"


@dataclass
class ScriptedModel:
    """Plays an agent: reads the tool list, creates a contact with the create tool, reads it back
    by the id the first result carried, then answers. Each move depends on what it was shown."""

    email: str
    seen_tools: list[str] = field(default_factory=list)

    def next_move(self, transcript: list[dict[str, Any]]) -> dict[str, Any]:
        results = [m for m in transcript if m["role"] == "tool"]
        if not results:
            tools = transcript[0]["tools"]
            self.seen_tools = [t["name"] for t in tools]
            create = next(t["name"] for t in tools if t["name"].endswith("contact_create"))
            return {"call": create, "args": {"email": self.email, "firstname": "Grace"}}
        last = results[-1]
        if last["is_error"]:
            return {"answer": f"failed: {last['content']['error']['code']}"}
        if last["name"] == CREATE:
            return {"call": GET, "args": {"contact_id": last["content"]["id"]}}
        props = last["content"]["properties"]
        return {"answer": f"{props['firstname']} <{props['email']}> is {last['content']['id']}"}


async def run_agent(session: ClientSession, model: ScriptedModel) -> list[dict[str, Any]]:
    """The classic loop over MCP: list tools, ask the model, call what it picks, until it answers.
    The model reads results as text JSON, as a text-only client would."""
    tools = [t.model_dump(mode="json") for t in (await session.list_tools()).tools]
    transcript: list[dict[str, Any]] = [{"role": "system", "tools": tools}]
    for _ in range(6):
        move = model.next_move(transcript)
        if "answer" in move:
            transcript.append({"role": "assistant", "content": move["answer"]})
            return transcript
        result = await session.call_tool(move["call"], move["args"])
        transcript.append(
            {
                "role": "tool",
                "name": move["call"],
                "is_error": result.is_error,
                "content": json.loads(result.content[0].text)  # type: ignore[union-attr]
                if result.content
                else None,
            }
        )
    raise AssertionError("the agent did not finish")


def test_an_agent_loop_over_mcp(stack: Stack) -> None:
    """A scripted model creates a contact and reads it back through two MCP tool calls."""
    identifier, _ = connected(stack, "mcp_agent")
    opened = open_session(stack, identifier, tool_names=[CREATE, GET])
    model = ScriptedModel(email=f"{unique('grace')}@navy.example")

    async def scenario() -> list[dict[str, Any]]:
        async with http_session(opened["url"], opened["token"]) as session:
            return await run_agent(session, model)

    transcript = asyncio.run(scenario())
    assert model.seen_tools == [CREATE, GET]
    assert [m["name"] for m in transcript if m["role"] == "tool"] == [CREATE, GET]
    answer = transcript[-1]["content"]
    assert answer.startswith(f"Grace <{model.email}> is ")
    assert answer.removeprefix(f"Grace <{model.email}> is ") == transcript[1]["content"]["id"]
