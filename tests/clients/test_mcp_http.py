"""MCP over Streamable HTTP at ``/mcp`` (DESIGN section 15), with the official SDK as the client,
against the real web, worker and sandbox: sessions, list, call, errors, allow-list, isolation,
expiry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from mcp.shared.exceptions import MCPError

from schemas.tools import tool_catalog
from store.mcp_sessions import McpSessionStore
from tests.support.mcp_client import (
    call_once,
    http_session,
    open_session,
    raw_mcp_post,
    text_json,
)
from tests.support.stack import Stack
from tests.support.tools_stack import connected, database, unique

pytestmark = [pytest.mark.e2e, pytest.mark.services]

CREATE, GET = "hubspot_contact_create", "hubspot_contact_get"


class PastClock:
    """A clock ``ago`` behind the real one: sessions it creates expire ``ago`` early."""

    def __init__(self, ago: timedelta) -> None:
        self.ago = ago

    def now(self) -> datetime:
        return datetime.now(UTC) - self.ago

    def time(self) -> float:
        return self.now().timestamp()


def test_opening_a_session_answers_url_token_and_expiry(stack: Stack) -> None:
    """201 {url, token, expires_at}: the web's absolute /mcp, an hmcp_ token, TTL honoured."""
    before = datetime.now(UTC)
    opened = open_session(stack, unique("mcp_open"), ttl_seconds=120)
    assert opened["url"] == f"{stack.base_url}/mcp"
    assert opened["token"].startswith("hmcp_")
    expires = datetime.fromisoformat(opened["expires_at"])
    assert before + timedelta(seconds=119) <= expires <= datetime.now(UTC) + timedelta(seconds=121)


def test_opening_a_session_validates_its_body(stack: Stack) -> None:
    """Unknown tools 422 unknown_tool; TTL outside 60..86400 422; no API key 401."""
    with stack.api as api:
        unknown = api.post(
            "/v1/mcp-sessions", json={"identifier": "x", "tool_names": [CREATE, "hubspot_nope"]}
        )
        short = api.post("/v1/mcp-sessions", json={"identifier": "x", "ttl_seconds": 59})
        long = api.post("/v1/mcp-sessions", json={"identifier": "x", "ttl_seconds": 86_401})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "unknown_tool"
    assert "hubspot_nope" in unknown.json()["error"]["message"]
    assert (short.status_code, long.status_code) == (422, 422)
    anonymous = httpx.post(f"{stack.base_url}/v1/mcp-sessions", json={"identifier": "x"})
    assert anonymous.status_code == 401


def test_list_tools_gives_the_catalog(stack: Stack) -> None:
    """tools/list without an allow-list: every catalog tool with its description and schema."""
    opened = open_session(stack, unique("mcp_list"))

    async def scenario() -> list[Any]:
        async with http_session(opened["url"], opened["token"]) as session:
            return list((await session.list_tools()).tools)

    listed = asyncio.run(scenario())
    catalog = tool_catalog()
    assert [t.name for t in listed] == [t["name"] for t in catalog]
    for tool, entry in zip(listed, catalog, strict=True):
        assert tool.description == entry["description"]
        assert tool.input_schema == entry["input_schema"]
        assert "identifier" not in tool.input_schema.get("properties", {})


def test_call_creates_then_reads_a_contact(stack: Stack) -> None:
    """tools/call runs jobs on the workers: HubSpot's JSON as structured content and as text."""
    identifier, _ = connected(stack, "mcp_call")
    opened = open_session(stack, identifier)
    email = f"{unique('ada')}@example.com"

    async def scenario() -> tuple[Any, Any]:
        async with http_session(opened["url"], opened["token"]) as session:
            created = await session.call_tool(CREATE, {"email": email, "firstname": "Ada"})
            assert created.is_error is False, created
            contact_id = created.structured_content["id"]
            read = await session.call_tool(
                GET, {"contact_id": contact_id, "properties": "email,firstname"}
            )
            return created, read

    created, read = asyncio.run(scenario())
    assert text_json(created) == created.structured_content
    assert created.structured_content["properties"]["email"] == email
    assert read.is_error is False
    assert read.structured_content["id"] == created.structured_content["id"]
    assert read.structured_content["properties"]["firstname"] == "Ada"
    assert text_json(read) == read.structured_content


def test_invalid_input_is_an_error_result(stack: Stack) -> None:
    """A create without email: isError with code invalid_tool_input, naming the field."""
    identifier, _ = connected(stack, "mcp_invalid")
    result = call_once(open_session(stack, identifier), CREATE, {"firstname": "No email"})
    assert result.is_error is True
    error = result.structured_content["error"]
    assert error["code"] == "invalid_tool_input"
    assert "email" in error["message"]
    assert error["retryable"] is False
    assert error["reauth_link"] is None
    assert text_json(result) == result.structured_content


def test_a_pending_account_answers_with_a_reauth_link(stack: Stack) -> None:
    """A never-connected identifier: isError account_pending with a fresh authorization link."""
    opened = open_session(stack, unique("mcp_pending"))
    result = call_once(opened, CREATE, {"email": "someone@example.com"})
    assert result.is_error is True
    error = result.structured_content["error"]
    assert error["code"] == "account_pending"
    assert error["reauth_link"].startswith(stack.sandbox.base_url + "/oauth/authorize?")


def test_the_allow_list_limits_list_and_call(stack: Stack) -> None:
    """A token for [create]: tools/list shows only it; calling get is isError unknown_tool."""
    identifier, _ = connected(stack, "mcp_allow")
    opened = open_session(stack, identifier, tool_names=[CREATE])

    async def scenario() -> tuple[list[str], Any]:
        async with http_session(opened["url"], opened["token"]) as session:
            names = [t.name for t in (await session.list_tools()).tools]
            refused = await session.call_tool(GET, {"contact_id": "1"})
            return names, refused

    names, refused = asyncio.run(scenario())
    assert names == [CREATE]
    assert refused.is_error is True
    assert refused.structured_content["error"]["code"] == "unknown_tool"


def test_a_token_acts_only_for_its_identifier(stack: Stack) -> None:
    """A's token reads A's contact; B's token, given A's contact id, gets HubSpot's 404 from B's
    own portal: the identifier comes from the token, and an identifier argument is refused."""
    alice, _ = connected(stack, "mcp_alice")
    bob, _ = connected(stack, "mcp_bob")
    alice_token = open_session(stack, alice)
    bob_token = open_session(stack, bob)
    email = f"{unique('alice')}@example.com"

    async def scenario() -> tuple[Any, Any, Any]:
        async with http_session(alice_token["url"], alice_token["token"]) as session:
            created = await session.call_tool(CREATE, {"email": email})
        contact_id = created.structured_content["id"]
        async with http_session(bob_token["url"], bob_token["token"]) as session:
            as_bob = await session.call_tool(GET, {"contact_id": contact_id})
            smuggled = await session.call_tool(GET, {"contact_id": contact_id, "identifier": alice})
        return created, as_bob, smuggled

    created, as_bob, smuggled = asyncio.run(scenario())
    assert created.is_error is False
    assert as_bob.is_error is True
    assert as_bob.structured_content["error"]["code"] == "hubspot_error"
    assert as_bob.structured_content["error"]["hubspot"]["status"] == 404
    assert smuggled.is_error is True
    assert smuggled.structured_content["error"]["code"] == "invalid_tool_input"
    assert "identifier" in smuggled.structured_content["error"]["message"]


def _expired_token(stack: Stack, prefix: str, *, ago: timedelta, ttl: timedelta) -> str:
    """An MCP session token created ``ago`` in the past, living ``ttl`` (shorter: expired)."""
    with database(stack) as db:
        _, token = McpSessionStore(db=db, clock=PastClock(ago)).create(
            connection_name="hubspot", identifier=unique(prefix), tool_names=None, ttl=ttl
        )
    return token


def test_missing_unknown_and_expired_tokens_are_401(stack: Stack) -> None:
    """/mcp refuses no token, a made-up token and a token past expires_at (time travel)."""
    url = f"{stack.base_url}/mcp"
    expired = _expired_token(stack, "mcp_expired", ago=timedelta(hours=2), ttl=timedelta(hours=1))
    assert raw_mcp_post(url, None).status_code == 401
    assert raw_mcp_post(url, "hmcp_made_up").status_code == 401
    refused = raw_mcp_post(url, expired)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert refused.json()["error"]["code"] == "unauthorized"
    # The API key is not an MCP token either.
    assert raw_mcp_post(url, stack.api_key).status_code == 401
    valid = open_session(stack, unique("mcp_valid"))
    assert raw_mcp_post(url, valid["token"]).status_code == 200


def test_the_sdk_client_cannot_initialize_with_an_expired_token(stack: Stack) -> None:
    """Through the SDK, the 401 surfaces as a failed initialize, no tools reachable."""
    expired = _expired_token(
        stack, "mcp_expired_sdk", ago=timedelta(seconds=120), ttl=timedelta(seconds=60)
    )

    async def scenario() -> None:
        async with http_session(f"{stack.base_url}/mcp", expired) as session:
            await session.list_tools()

    with pytest.raises(ExceptionGroup) as caught:
        asyncio.run(scenario())
    # anyio's task groups nest the SDK's error: the 401 answer to its initialize POST.
    errors = caught.value.exceptions[0]
    assert isinstance(errors, ExceptionGroup)
    (error,) = errors.exceptions
    assert isinstance(error, MCPError)
    assert "error response" in str(error)
