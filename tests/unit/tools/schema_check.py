"""A small JSON-schema checker for the tool catalog (the project has no jsonschema dependency).

``check_schema`` verifies a schema is well-formed draft 2020-12 for the keywords pydantic emits;
``conforms`` validates a JSON value against it for those keywords. Both are strict about unknown
keywords, so a schema using something else fails loudly here rather than being half-checked.
"""

from __future__ import annotations

from typing import Any

_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}
_ANNOTATIONS = {"title", "description", "default", "examples", "format", "contentMediaType"}
_KEYWORDS = _ANNOTATIONS | {
    "type", "anyOf", "enum", "const", "properties", "required", "additionalProperties",
    "items", "minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength",
}  # fmt: skip


def check_schema(schema: Any, path: str = "#") -> None:
    """Raise AssertionError naming the place where ``schema`` is not a well-formed schema."""
    assert isinstance(schema, dict), f"{path}: a schema must be an object"
    unknown = set(schema) - _KEYWORDS
    assert not unknown, f"{path}: unexpected keywords {sorted(unknown)}"
    types = schema.get("type", [])
    for name in types if isinstance(types, list) else [types]:
        assert name in _TYPES, f"{path}: unknown type {name!r}"
    for index, alternative in enumerate(schema.get("anyOf", [])):
        check_schema(alternative, f"{path}/anyOf/{index}")
    for name, child in schema.get("properties", {}).items():
        check_schema(child, f"{path}/properties/{name}")
    assert set(schema.get("required", [])) <= set(schema.get("properties", {})), path
    if "items" in schema:
        check_schema(schema["items"], f"{path}/items")
    if isinstance(schema.get("additionalProperties"), dict):
        check_schema(schema["additionalProperties"], f"{path}/additionalProperties")


def _type_matches(value: Any, name: str) -> bool:
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    return bool(checks[name](value))


def _bounds_hold(value: Any, schema: dict[str, Any]) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return bool(schema.get("minimum", value) <= value <= schema.get("maximum", value))
    if isinstance(value, str):
        return bool(len(value) <= schema.get("maxLength", len(value)))
    if isinstance(value, list):
        return bool(schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)))
    return True


def _any_of_holds(value: Any, schema: dict[str, Any]) -> bool:
    return "anyOf" not in schema or any(conforms(value, s) for s in schema["anyOf"])


def _enum_holds(value: Any, schema: dict[str, Any]) -> bool:
    return "enum" not in schema or value in schema["enum"]


def _type_holds(value: Any, schema: dict[str, Any]) -> bool:
    types = schema.get("type")
    if types is None:
        return True
    return any(
        _type_matches(value, name) for name in (types if isinstance(types, list) else [types])
    )


def _children_conform(value: Any, schema: dict[str, Any]) -> bool:
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        if not set(schema.get("required", [])) <= set(value):
            return False
        if schema.get("additionalProperties") is False and not set(value) <= set(properties):
            return False
        return all(
            conforms(item, properties[key]) for key, item in value.items() if key in properties
        )
    if isinstance(value, list) and "items" in schema:
        return all(conforms(item, schema["items"]) for item in value)
    return True


_CHECKS = (_any_of_holds, _enum_holds, _type_holds, _bounds_hold, _children_conform)


def conforms(value: Any, schema: dict[str, Any]) -> bool:
    """Whether the JSON ``value`` satisfies ``schema``, for the keywords ``check_schema`` allows."""
    return all(check(value, schema) for check in _CHECKS)


def properties_without_description(schema: dict[str, Any], path: str = "#") -> list[str]:
    """Every object property, at any depth, whose schema has no description."""
    missing: list[str] = []
    for name, child in schema.get("properties", {}).items():
        where = f"{path}/properties/{name}"
        missing += [] if child.get("description") else [where]
        missing += properties_without_description(child, where)
    for index, alternative in enumerate(schema.get("anyOf", [])):
        missing += properties_without_description(alternative, f"{path}/anyOf/{index}")
    if "items" in schema:
        missing += properties_without_description(schema["items"], f"{path}/items")
    return missing
