"""What no JSON value we accept may hold, whatever its schema: NUL characters, deep nesting.

PostgreSQL refuses NUL in text and JSON columns (the insert fails, which used to surface as a
500), and Python's JSON parser and ``json.dumps`` recurse once per level (100,000 levels is a
``RecursionError``). Both are bad input, so both become a 422 before anything else looks at the
value (DESIGN.md section 6). The walk is iterative: it must not itself recurse on what it checks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Deepest accepted nesting of objects and arrays (the top-level value is level 1).
MAX_JSON_DEPTH = 64

NUL = "\x00"
#: The JSON Schema ``pattern`` of a string without NUL, for documented parameters and fields.
NO_NUL_PATTERN = r"^[^\x00]*$"


@dataclass(frozen=True)
class JsonProblem:
    """The first refused spot of a value: where (keys and indexes from the root) and why."""

    path: tuple[str | int, ...]
    reason: str

    @property
    def field(self) -> str:
        return ".".join(str(p) for p in self.path) or "body"

    @property
    def message(self) -> str:
        return f"{self.field}: {self.reason}"


class JsonRejected(ValueError):
    """Text that is not JSON we accept."""


class JsonTooDeep(JsonRejected):
    """JSON nested too deep for the parser (it recurses once per level)."""


def loads(raw: bytes | str) -> Any:
    """``json.loads``, with its errors (``RecursionError`` too) turned into ``JsonRejected``."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise JsonTooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError):
        raise JsonRejected("not valid JSON") from None


def find_problem(
    value: object, *, max_depth: int = MAX_JSON_DEPTH, prefix: tuple[str | int, ...] = ()
) -> JsonProblem | None:
    """The first NUL character (in a key or a string) or over-deep container, or ``None``."""
    stack: list[tuple[object, tuple[str | int, ...], int]] = [(value, prefix, 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return JsonProblem(path, "contains a NUL character (U+0000)")
            continue
        children = _children(item)
        if children is None:
            continue
        if depth + 1 > max_depth:
            return JsonProblem(path, f"is nested deeper than {max_depth} levels")
        for key, child in reversed(children):  # reversed: the first child is checked first
            if isinstance(key, str) and NUL in key:
                return JsonProblem((*path, key), "has a key with a NUL character (U+0000)")
            stack.append((child, (*path, key), depth + 1))
    return None


def _children(item: object) -> list[tuple[str | int, object]] | None:
    if isinstance(item, Mapping):
        return [(str(k), v) for k, v in item.items()]
    if isinstance(item, list | tuple):
        return list(enumerate(item))
    return None
