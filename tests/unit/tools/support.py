"""Helpers shared by the tool tests: run a tool on raw input, or collect why it was refused."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import InvalidToolInput
from schemas.tools import HubSpotRequest, get_tool, parse_tool_input


def request_for(tool_name: str, raw: object) -> HubSpotRequest:
    """The request a tool builds from raw input, through the public entry points."""
    return get_tool(tool_name).build_request(parse_tool_input(tool_name, raw))


def problems_for(tool_name: str, raw: object) -> dict[str, str]:
    """``{field: problem}`` of an input the tool must refuse."""
    with pytest.raises(InvalidToolInput) as caught:
        parse_tool_input(tool_name, raw)
    errors: list[dict[str, str]] = caught.value.details["errors"]
    assert errors, "an InvalidToolInput must say what is wrong"
    return {item["field"]: item["problem"] for item in errors}


def properties_sent(tool_name: str, raw: object) -> dict[str, Any]:
    """The ``properties`` map a create or update sends."""
    body = request_for(tool_name, raw).json
    assert body is not None
    properties: dict[str, Any] = body["properties"]
    return properties
