"""The tool catalog served by ``GET /v1/tools`` and the scopes the tools need.

Each input schema is self-contained: pydantic's ``$defs``/``$ref`` indirections are inlined, since
several LLM tool-calling front ends accept only a plain object schema.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from schemas.tools.registry import TOOLS

_REF_PREFIX = "#/$defs/"


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every local ``$ref`` replaced by the definition it names."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            target = _inline(defs[ref.removeprefix(_REF_PREFIX)], defs)
            siblings = {k: _inline(v, defs) for k, v in node.items() if k != "$ref"}
            return {**target, **siblings}
        return {key: _inline(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def input_schema(model: type[Any]) -> dict[str, Any]:
    """The JSON schema of an input model (as the agent should send it), without ``$defs``."""
    schema: dict[str, Any] = model.model_json_schema(by_alias=True, mode="validation")
    defs = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inline(schema, defs)
    return inlined


@cache
def _catalog() -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "name": spec.name,
            "description": spec.description,
            "input_schema": input_schema(spec.input_model),
            "required_scopes": list(spec.required_scopes),
            "read_only": spec.read_only,
        }
        for spec in TOOLS.values()
    )


def tool_catalog() -> list[dict[str, Any]]:
    """``[{name, description, input_schema, required_scopes, read_only}]`` for every tool.

    Built once; each call returns a fresh copy so a caller may change it freely.
    """
    return copy.deepcopy(list(_catalog()))


def all_required_scopes() -> tuple[str, ...]:
    """Every scope some tool needs, sorted and deduplicated (the OAuth ``scope`` default)."""
    return tuple(sorted({scope for spec in TOOLS.values() for scope in spec.required_scopes}))
