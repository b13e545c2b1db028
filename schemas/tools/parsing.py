"""Finding a tool and validating what an agent sent it: the one entry point for untrusted input.

Everything that can go wrong with an input becomes ``InvalidToolInput`` (or ``UnknownTool``):
the API answers 422 with it and stores nothing, so no other exception may escape from here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from core.errors import InvalidToolInput, UnknownTool
from schemas.tools.base import ToolInput
from schemas.tools.messages import problems, summary
from schemas.tools.registry import TOOLS
from schemas.tools.spec import ToolSpec


def get_tool(name: str) -> ToolSpec:
    """The tool called ``name``; the error lists the valid names for the agent to pick from."""
    try:
        return TOOLS[name]
    except (KeyError, TypeError):
        raise UnknownTool(
            f"unknown tool {name!r:.80}; valid tools: {', '.join(TOOLS)}", valid_tools=list(TOOLS)
        ) from None


def _as_mapping(raw: object) -> object:
    """No input means no arguments; any mapping, or JSON text of an object, is taken as one."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, str | bytes):
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            return raw
    return raw


def parse_tool_input(tool_name: str, raw: object) -> ToolInput:
    """The validated, normalised input of ``tool_name``, or ``InvalidToolInput`` saying why not."""
    model = get_tool(tool_name).input_model
    try:
        return model.model_validate(_as_mapping(raw))
    except ValidationError as exc:
        found = problems(exc, model)
        raise InvalidToolInput(summary(tool_name, found), errors=found) from None


def canonical_input(model: BaseModel) -> dict[str, Any]:
    """The normalised input as JSON: what a job stores, and what idempotent resubmissions compare.

    Parsing it again gives the same model (and so the same request): it is a fixed point.
    """
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)
