"""Plain data from the sandbox's dataclasses and back, driven by their type annotations.

The sandbox's containers are dataclasses of strings, numbers, tuples, frozensets and dicts, so one
generic pair of functions can store any of them as JSON: a field added to ``Record`` or
``AuthCode`` persists with no codec change, and a field missing from an older file takes its
dataclass default on load (a missing field without a default is an error, not a guess). Dicts
whose keys are not strings become lists of ``[key, value]`` pairs, since JSON keys are strings.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any


class DecodeError(ValueError):
    """Stored data does not fit the type it is loaded as; the message says where."""


def to_plain(value: Any, *, skip: frozenset[str] = frozenset()) -> Any:
    """A fresh JSON-able copy of ``value`` (dataclass fields named in ``skip`` are left out).

    The copy shares nothing mutable with the original, so it can be encoded on another thread
    while the sandbox goes on changing its state.
    """
    if value is None or isinstance(value, str | int | float):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in skip
        }
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: to_plain(item) for key, item in value.items()}
        return [[to_plain(key), to_plain(item)] for key, item in value.items()]
    if isinstance(value, frozenset | set):
        return sorted(to_plain(item) for item in value)
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    raise TypeError(f"cannot store a {type(value).__name__}")


def from_plain(kind: Any, data: Any, *, extra: dict[str, Any] | None = None) -> Any:
    """Rebuild a value of type ``kind`` from ``to_plain`` output.

    ``extra`` supplies dataclass fields that are not stored (such as object references).
    """
    try:
        return _decode(kind, data, extra or {})
    except (TypeError, ValueError, KeyError) as exc:
        if isinstance(exc, DecodeError):
            raise
        raise DecodeError(f"{_name(kind)}: {exc}") from exc


def _decode(kind: Any, data: Any, extra: dict[str, Any]) -> Any:
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        return _decode_dataclass(kind, data, extra)
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        return _decode_optional(kind, data)
    if origin is None:
        return _decode_scalar(kind, data)
    return _decode_container(kind, origin, typing.get_args(kind), data)


def _decode_container(kind: Any, origin: Any, args: tuple[Any, ...], data: Any) -> Any:
    if origin is dict:
        pairs = data.items() if isinstance(data, dict) else _sequence(data)
        return {_decode(args[0], k, {}): _decode(args[1], v, {}) for k, v in pairs}
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        items = _sequence(data)
        if len(items) != len(args):
            raise TypeError(f"expected {len(args)} items, got {len(items)}")
        return tuple(_decode(arg, item, {}) for arg, item in zip(args, items, strict=True))
    decoded = [_decode(args[0], item, {}) for item in _sequence(data)]
    if origin in (tuple, frozenset, set, list):
        return origin(decoded)
    raise TypeError(f"cannot load a {_name(kind)}")


def _decode_dataclass(kind: type, data: Any, extra: dict[str, Any]) -> Any:
    if not isinstance(data, dict):
        raise DecodeError(f"{kind.__name__}: expected an object, got {type(data).__name__}")
    hints = _hints(kind)
    values: dict[str, Any] = dict(extra)
    for field in dataclasses.fields(kind):
        if field.name in values or not field.init:
            continue
        if field.name in data:
            try:
                values[field.name] = _decode(hints[field.name], data[field.name], {})
            except (TypeError, ValueError) as exc:
                raise DecodeError(f"{kind.__name__}.{field.name}: {exc}") from exc
        elif _has_default(field):
            continue
        else:
            raise DecodeError(f"{kind.__name__}: missing field {field.name!r}")
    return kind(**values)


def _decode_optional(kind: Any, data: Any) -> Any:
    args = [arg for arg in typing.get_args(kind) if arg is not type(None)]
    if data is None:
        return None
    if len(args) != 1:
        raise TypeError(f"cannot load a {_name(kind)}")
    return _decode(args[0], data, {})


def _decode_scalar(kind: Any, data: Any) -> Any:
    if kind is Any:
        return data
    if kind is float and isinstance(data, int | float) and not isinstance(data, bool):
        return float(data)
    if kind in (int, str, bool) and type(data) is kind:
        return data
    raise TypeError(f"expected {_name(kind)}, got {type(data).__name__}")


def _sequence(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise TypeError(f"expected a list, got {type(data).__name__}")
    return data


def _has_default(field: dataclasses.Field[Any]) -> bool:
    return (
        field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
    )


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def _name(kind: Any) -> str:
    return getattr(kind, "__name__", None) or str(kind)
