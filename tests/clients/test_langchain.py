"""LangChain tools from ``get_tools``: an agent loop driven by a scripted chat model (no network
but our own stack), sync and async, in both client modes; structured error answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import BaseTool

from producer import Actions
from producer.langchain import get_tools
from tests.support.stack import Stack
from tests.support.tools_stack import connected, unique

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.usefixtures("clear_faults")]

CREATE = "hubspot_contact_create"
TWO_TOOLS = [CREATE, "hubspot_contact_get"]


class ScriptedAgentModel(BaseChatModel):
    """A chat model that plays an agent: create a contact, read it back by the id the first
    tool returned, then answer. Its next move depends on the tool results it is shown."""

    email: str

    @property
    def _llm_type(self) -> str:
        return "scripted-agent"

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedAgentModel:
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        results = [m for m in messages if isinstance(m, ToolMessage)]
        if not results:
            args = {"email": self.email, "firstname": "Grace", "lifecyclestage": "lead"}
            return _call("hubspot_contact_create", args, "call_1")
        last = json.loads(str(results[-1].content))
        if "error" in last:
            return AIMessage(content=f"failed: {last['error']['code']}")
        if results[-1].name == "hubspot_contact_create":
            args = {"contact_id": last["id"], "properties": "email,firstname"}
            return _call("hubspot_contact_get", args, "call_2")
        props = last["properties"]
        return AIMessage(content=f"{props['firstname']} <{props['email']}> is contact {last['id']}")


def _call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id}])


def run_agent(model: BaseChatModel, tools: Sequence[BaseTool], prompt: str) -> list[BaseMessage]:
    """The classic loop: ask the model, run the tools it calls, until it answers."""
    by_name = {tool.name: tool for tool in tools}
    messages: list[BaseMessage] = [HumanMessage(prompt)]
    for _ in range(6):
        reply = model.invoke(messages)
        messages.append(reply)
        if not isinstance(reply, AIMessage) or not reply.tool_calls:
            return messages
        messages += [by_name[call["name"]].invoke(call) for call in reply.tool_calls]
    raise AssertionError("the agent did not finish")


async def arun_agent(
    model: BaseChatModel, tools: Sequence[BaseTool], prompt: str
) -> list[BaseMessage]:
    """The same loop on asyncio, running each turn's tool calls concurrently."""
    by_name = {tool.name: tool for tool in tools}
    messages: list[BaseMessage] = [HumanMessage(prompt)]
    for _ in range(6):
        reply = await model.ainvoke(messages)
        messages.append(reply)
        if not isinstance(reply, AIMessage) or not reply.tool_calls:
            return messages
        calls = [by_name[call["name"]].ainvoke(call) for call in reply.tool_calls]
        messages += await asyncio.gather(*calls)
    raise AssertionError("the agent did not finish")


def test_tools_carry_the_catalogs_schema(stack: Stack, actions: Actions) -> None:
    """get_tools returns StructuredTools with the catalog's names, descriptions and schemas."""
    tools = get_tools(identifier="anyone", actions=actions)
    catalog = {tool["name"]: tool for tool in actions.list_tools()}
    assert [t.name for t in tools] == list(catalog)
    for tool in tools:
        assert tool.description == catalog[tool.name]["description"]
        assert tool.args_schema == catalog[tool.name]["input_schema"]
    chosen = get_tools(identifier="anyone", tool_names=TWO_TOOLS[::-1], actions=actions)
    assert [t.name for t in chosen] == TWO_TOOLS[::-1]
    with pytest.raises(ValueError, match="hubspot_nope"):
        get_tools(identifier="anyone", tool_names=["hubspot_nope"], actions=actions)


def test_agent_loop_sync(stack: Stack, actions: Actions) -> None:
    """A scripted agent creates a contact and reads it back through two tools (invoke)."""
    identifier, _ = connected(stack, "lc_sync")
    email = f"{unique('grace')}@navy.example"
    tools = get_tools(connection_name="hubspot", identifier=identifier, actions=actions)
    messages = run_agent(ScriptedAgentModel(email=email), tools, "Add Grace and confirm.")
    answer = messages[-1]
    assert isinstance(answer, AIMessage)
    assert f"Grace <{email}> is contact " in str(answer.content)
    assert [m.name for m in messages if isinstance(m, ToolMessage)] == TWO_TOOLS


def test_agent_loop_async_does_not_block_the_event_loop(stack: Stack, actions: Actions) -> None:
    """The same agent with ainvoke; while a slow tool call runs, other coroutines keep running."""
    identifier, _ = connected(stack, "lc_async")
    email = f"{unique('grace')}@navy.example"
    tools = get_tools(identifier=identifier, tool_names=TWO_TOOLS, actions=actions)
    stack.sandbox.control.add_fault("/crm/v3/objects/contacts/", method="GET", latency_ms=600)

    async def scenario() -> tuple[list[BaseMessage], int]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                await asyncio.sleep(0.01)
                ticks += 1

        tick_task = asyncio.create_task(ticker())
        try:
            messages = await arun_agent(ScriptedAgentModel(email=email), tools, "Add Grace.")
        finally:
            done.set()
            await tick_task
        return messages, ticks

    messages, ticks = asyncio.run(scenario())
    assert f"Grace <{email}> is contact " in str(messages[-1].content)
    # The read alone takes 600 ms in the sandbox: a blocked loop would have ticked ~never.
    assert ticks >= 20


def test_failures_are_structured_answers(stack: Stack, actions: Actions) -> None:
    """Errors come back as {"error": {code, message, retryable, reauth_link}}, sync and async:
    a fresh authorization link for a pending account, the field for invalid input."""
    pending = unique("lc_pending")
    actions.get_or_create_connected_account(connection_name="hubspot", identifier=pending)
    (create,) = get_tools(
        identifier=pending, tool_names=["hubspot_contact_create"], actions=actions
    )
    answer = create.invoke({"email": "someone@example.com"})
    assert answer["error"]["code"] == "account_pending"
    assert answer["error"]["retryable"] is False
    assert answer["error"]["reauth_link"].startswith(stack.sandbox.base_url + "/oauth/authorize?")

    identifier, _ = connected(stack, "lc_invalid")
    (create,) = get_tools(
        identifier=identifier, tool_names=["hubspot_contact_create"], actions=actions
    )
    invalid = asyncio.run(create.ainvoke({"firstname": "No email"}))
    assert invalid["error"]["code"] == "invalid_tool_input"
    assert "email" in invalid["error"]["message"]
    assert invalid["error"]["reauth_link"] is None
