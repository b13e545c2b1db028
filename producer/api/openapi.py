"""What ``/openapi.json`` says beyond what FastAPI infers: error answers and hand-parsed bodies.

FastAPI documents only what a route declares. Our errors come from middleware (401, 413, the
422 for a NUL in the URL) and exception handlers, in the ``{"error": {...}}`` shape rather than
FastAPI's ``{"detail": [...]}``; and ``POST /v1/jobs`` and ``/v1/jobs/batch`` parse their bodies
themselves (a bad batch item is an answer for that item, not a 422 for the batch), so FastAPI
sees no body. The helpers here let each route state both, so a generated client (or schemathesis)
knows every answer it can get.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from producer.jobs import MAX_BATCH
from schemas.jobs import SubmitJob

_DESCRIPTIONS = {
    400: "The callback's request was malformed",
    401: "Missing or invalid API key (`Authorization: Bearer <key>`)",
    403: "The user denied access, or the grant lacks required scopes",
    404: "No such connection, account or job",
    409: "The account cannot run jobs, the idempotency key was used for another payload, "
    "or the job is running or finished",
    410: "The authorization link expired",
    413: "The request body is larger than `MAX_REQUEST_BYTES` (`request_too_large`)",
    422: "Bad input: schema, NUL characters, nesting deeper than 64 levels, run_at too far "
    "ahead (`invalid_request`, `invalid_tool_input`, `unknown_tool`)",
    502: "HubSpot could not finish the authorization",
    503: "The database or Redis is unavailable; retry shortly (`retryable: true`)",
}


class ErrorDetail(BaseModel):
    """The stable ``code``, a message for humans, and details that depend on the code."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    retryable: bool | None = None
    reauth_link: str | None = None


class ErrorBody(BaseModel):
    """Every error answer: ``{"error": {"code", "message", ...}}``."""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for these error statuses, each with the error body's schema."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]} for status in statuses
    }


def page_or_json_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error statuses of a route answering an HTML page, or the error body as JSON if asked."""
    content = {
        "text/html": {"schema": {"type": "string"}},
        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}},
    }
    return {
        status: {"description": _DESCRIPTIONS[status], "content": content} for status in statuses
    }


#: An answer whose body is a JSON object (its shape is in the route's description).
JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}

#: The errors any ``/v1`` route may answer, whatever it does.
V1_ERRORS = error_responses(401, 413, 422, 503)


def json_request_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An ``openapi_extra`` declaring a required JSON body of ``schema``."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    }


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with its ``$defs`` inlined: in OpenAPI 3.1 a ``#/$defs/...``
    reference resolves against the document's root, not the schema, so none may remain."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    return _resolve(schema, defs)  # type: ignore[no-any-return]


def _resolve(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _resolve(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _resolve(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item, defs) for item in node]
    return node


class SubmitBatch(BaseModel):
    """``POST /v1/jobs/batch`` body. Each item is validated (and answered) on its own, so any
    object is a valid item here: a bad one is an ``{"error"}`` in the 202, not a 422."""

    jobs: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="Each a POST /v1/jobs body; an invalid one gets its own error answer",
    )


SUBMIT_BODY = json_request_body(inline_schema(SubmitJob), "The job to run")
BATCH_BODY = json_request_body(inline_schema(SubmitBatch), f"Up to {MAX_BATCH} jobs")
