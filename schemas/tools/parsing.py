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
from schemas.json_guard import find_problem
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
    """The validated, normalised input of ``tool_name``, or ``InvalidToolInput`` saying why not.

    No NUL character and no nesting past 64 levels, in what was sent or in what it parses to
    (``filterGroups`` may be JSON text): PostgreSQL cannot store NUL (DESIGN.md section 6).
    """
    model = get_tool(tool_name).input_model
    mapping = _as_mapping(raw)
    _refuse_unsafe(mapping)
    try:
        parsed = model.model_validate(mapping)
    except ValidationError as exc:
        found = problems(exc, model)
        raise InvalidToolInput(summary(tool_name, found), errors=found) from None
    _refuse_unsafe(canonical_input(parsed))
    return parsed


def _refuse_unsafe(value: object) -> None:
    problem = find_problem(value, prefix=("tool_input",))
    if problem is not None:
        errors = [{"field": problem.field, "problem": problem.reason}]
        raise InvalidToolInput(problem.message, errors=errors)


def canonical_input(model: BaseModel) -> dict[str, Any]:
    """The normalised input as JSON: what a job stores, and what idempotent resubmissions compare.

    Parsing it again gives the same model (and so the same request): it is a fixed point.
    """
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)
