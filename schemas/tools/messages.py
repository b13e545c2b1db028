"""Validation errors rewritten for the agent that made them.

Pydantic's messages ("Input should be less than or equal to 200") are accurate but long; an agent
fixes its call fastest from ``field: problem`` pairs ("limit: must be <= 200"), and a human reading
a job's error does too. The same pairs go into the error's details for programs.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

#: The name used for problems with the input as a whole (not a dict, nothing to update, ...).
WHOLE_INPUT = "tool_input"

#: How many problems an error reports before summarising the rest.
MAX_SHOWN = 20

#: Problems whose wording depends only on the error type and its context.
_TEMPLATES = {
    "missing": "field required",
    "invalid_key": "field names must be strings",
    "model_type": "must be an object of named fields",
    "model_attributes_type": "must be an object of named fields",
    "dict_type": "must be an object of named fields",
    "less_than_equal": "must be <= {le}",
    "greater_than_equal": "must be >= {ge}",
    "string_too_long": "must be at most {max_length} characters",
    "too_long": "must have at most {max_length} items",
    "too_short": "must have at least {min_length} item(s)",
}


def field_path(loc: Sequence[int | str]) -> str:
    """``("filterGroups", 0, "filters", 1, "value")`` -> ``filterGroups[0].filters[1].value``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or WHOLE_INPUT


def _problem(error: ErrorDetails, model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind in _TEMPLATES:
        try:
            return _TEMPLATES[kind].format(**error.get("ctx", {}))
        except KeyError:  # a custom error reusing a pydantic type name: its message says it all
            pass
    if kind == "extra_forbidden" and len(error["loc"]) == 1:
        valid = ", ".join(field.alias or name for name, field in model.model_fields.items())
        return f"unknown field (valid fields: {valid})"
    if kind == "extra_forbidden":
        return "unknown field"
    # Our own validators' messages are already phrased for the agent; pydantic's get shortened.
    message = error["msg"].removeprefix("Value error, ")
    return message.replace("Input should be", "must be", 1)


def problems(exc: ValidationError, model: type[BaseModel]) -> list[dict[str, str]]:
    """One ``{field, problem}`` per distinct problem, in pydantic's order, at most ``MAX_SHOWN``.

    A 64 KiB input can hold thousands of mistakes; the first few are enough to fix the call.
    """
    found: list[dict[str, str]] = []
    for error in exc.errors(include_url=False, include_input=False):
        item = {"field": field_path(error["loc"]), "problem": _problem(error, model)}
        if item not in found:
            found.append(item)
    if len(found) > MAX_SHOWN:
        hidden = len(found) - MAX_SHOWN
        found = [*found[:MAX_SHOWN], {"field": WHOLE_INPUT, "problem": f"{hidden} more not shown"}]
    return found


def summary(tool_name: str, found: list[dict[str, str]]) -> str:
    """``invalid input for hubspot_x: email: field required; limit: must be <= 200``."""
    listed = "; ".join(f"{item['field']}: {item['problem']}" for item in found)
    return f"invalid input for {tool_name}: {listed}"
