"""``POST /v1/mcp-sessions``: a short-lived MCP token for one identifier (DESIGN section 15)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from producer.api.deps import ServicesDep
from producer.api.openapi import V1_ERRORS, error_responses
from producer.mcp.http import MCP_PATH
from producer.mcp.sessions import DEFAULT_TTL_S, MAX_TTL_S, MIN_TTL_S
from schemas.accounts import HUBSPOT_CONNECTION

router = APIRouter(prefix="/v1", tags=["mcp"], responses=V1_ERRORS)


class McpSessionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identifier: str = Field(min_length=1, max_length=255)
    connection_name: str = Field(default=HUBSPOT_CONNECTION, min_length=1, max_length=64)
    tool_names: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="The tools the token may list and call (default: every tool).",
    )
    ttl_seconds: int = Field(default=DEFAULT_TTL_S, ge=MIN_TTL_S, le=MAX_TTL_S)


@router.post("/mcp-sessions", status_code=201, responses=error_responses(404))
async def open_mcp_session(
    body: McpSessionBody, request: Request, services: ServicesDep
) -> JSONResponse:
    opened = await run_in_threadpool(
        lambda: services.mcp_sessions.open(
            connection_name=body.connection_name,
            identifier=body.identifier,
            tool_names=body.tool_names,
            ttl_seconds=body.ttl_seconds,
        )
    )
    answer: dict[str, Any] = {
        "url": str(request.base_url).rstrip("/") + MCP_PATH,
        "token": opened.token,
        "expires_at": opened.expires_at.isoformat(),
    }
    return JSONResponse(answer, status_code=201, headers={"cache-control": "no-store"})
