"""The official ``mcp`` SDK as our tests' client: sessions over Streamable HTTP and stdio."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import mcp_types as types
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.support.stack import Stack


def open_session(stack: Stack, identifier: str, **body: Any) -> dict[str, Any]:
    """``POST /v1/mcp-sessions`` that must succeed: ``{url, token, expires_at}``."""
    with stack.api as api:
        response = api.post("/v1/mcp-sessions", json={"identifier": identifier, **body})
    assert response.status_code == 201, response.text
    opened: dict[str, Any] = response.json()
    return opened


@asynccontextmanager
async def http_session(url: str, token: str) -> AsyncIterator[ClientSession]:
    """An initialized MCP client session over Streamable HTTP, sending ``token``."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60.0)) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def call_once(opened: dict[str, Any], tool: str, arguments: dict[str, Any]) -> types.CallToolResult:
    """One ``tools/call`` in a session of its own over HTTP, on ``open_session``'s URL and token."""

    async def scenario() -> types.CallToolResult:
        async with http_session(opened["url"], opened["token"]) as session:
            return await session.call_tool(tool, arguments)

    return asyncio.run(scenario())


@asynccontextmanager
async def stdio_session(stack: Stack, identifier: str, *extra: str) -> AsyncIterator[ClientSession]:
    """``python -m cli mcp --identifier X`` spawned with the stack's environment."""
    import sys

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "cli", "mcp", "--identifier", identifier, *extra],
        env=dict(stack.env),
    )
    async with (
        stdio_client(params) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def raw_mcp_post(url: str, token: str | None) -> httpx.Response:
    """One JSON-RPC ``initialize`` POST, to see the HTTP status ``/mcp`` answers."""
    headers = {"accept": "application/json, text/event-stream"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "0"},
        },
    }
    return httpx.post(url, json=body, headers=headers, timeout=20)


def text_json(result: types.CallToolResult) -> Any:
    """The JSON in the result's one text block (what a text-only client sees)."""
    (block,) = result.content
    assert isinstance(block, types.TextContent)
    return json.loads(block.text)
