"""An answer that is not the API's JSON (a proxy's HTML 502) is an ActionsError, not a crash.

A real HTTP server stands in for a proxy in front of the API: it serves the tool catalog (so the
LangChain tools can be built) and answers everything else with an HTML 502 page.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from starlette.types import Receive, Scope, Send

from producer import Actions, ToolError
from producer.errors import ActionsError
from producer.langchain import get_tools
from schemas.tools import tool_catalog
from tests.api.served import serve

PAGE = b"<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"


async def proxy(scope: Scope, receive: Receive, send: Send) -> None:
    """``GET /v1/tools`` answers the catalog; every other request an HTML 502."""
    assert scope["type"] == "http"
    if scope["path"] == "/v1/tools":
        status, kind, body = (
            200,
            b"application/json",
            json.dumps({"tools": tool_catalog()}).encode(),
        )
    else:
        status, kind, body = 502, b"text/html", PAGE
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def actions() -> Iterator[Actions]:
    with (
        serve(proxy, lifespan="off") as base_url,
        Actions(base_url=base_url, api_key="k") as client,
    ):
        yield client


def test_execute_tool_raises_a_retryable_tool_error(actions: Actions) -> None:
    """execute_tool through a 502 HTML page: ToolError http_502, retryable, naming the status."""
    with pytest.raises(ToolError) as raised:
        actions.execute_tool(
            identifier="u1", tool_name="hubspot_contacts_list", tool_input={"limit": 1}
        )
    assert raised.value.code == "http_502"
    assert raised.value.retryable is True
    assert "502 Bad Gateway with a text/html body" in raised.value.message


def test_async_execute_tool_raises_the_same(actions: Actions) -> None:
    """aexecute_tool maps the page the same way."""
    with pytest.raises(ToolError) as raised:
        asyncio.run(
            actions.aexecute_tool(identifier="u1", tool_name="hubspot_contacts_list", tool_input={})
        )
    assert (raised.value.code, raised.value.retryable) == ("http_502", True)


def test_other_calls_raise_actions_error(actions: Actions) -> None:
    """Account calls and get_job raise ActionsError with the status, retryable for a 5xx."""
    for call in (
        lambda: actions.get_connected_account(identifier="u1"),
        lambda: actions.get_job("job_x"),
    ):
        with pytest.raises(ActionsError) as raised:
            call()
        assert (raised.value.code, raised.value.status, raised.value.retryable) == (
            "http_502",
            502,
            True,
        )


def test_langchain_tools_answer_with_a_retryable_error(actions: Actions) -> None:
    """The LangChain tools return the error as their answer, sync and async."""
    (tool,) = get_tools(identifier="u1", tool_names=["hubspot_contacts_list"], actions=actions)
    for answer in (tool.invoke({"limit": 1}), asyncio.run(tool.ainvoke({"limit": 1}))):
        assert answer["error"]["code"] == "http_502"
        assert answer["error"]["retryable"] is True
