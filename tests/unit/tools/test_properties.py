"""Property-based tests: every valid shape is accepted, every broken one refused the same way.

Whatever an agent sends, ``parse_tool_input`` either returns a model or raises
``InvalidToolInput``; accepted inputs always build a request, and their canonical form is a
fixed point that satisfies the published schema.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidToolInput
from schemas.tools import (
    TOOLS,
    HubSpotRequest,
    canonical_input,
    get_tool,
    parse_tool_input,
    tool_catalog,
)
from tests.unit.tools.schema_check import conforms
from tests.unit.tools.strategies import fields_of, invalid_inputs, valid_inputs

SCHEMAS = {entry["name"]: entry["input_schema"] for entry in tool_catalog()}
#: The single-record tools; the batch tools (lists of the single tools' inputs) are in
#: ``test_batch_tools.py``.
TOOL_NAMES = [name for name, spec in TOOLS.items() if not spec.batch]
_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_METHODS = {"read": {"GET", "POST"}, "create": {"POST"}, "update": {"PATCH"}}


def _check_request(tool: str, request: HubSpotRequest) -> None:
    spec = get_tool(tool)
    assert request.method in _METHODS[spec.kind]
    assert request.path.startswith(f"/crm/v3/objects/{spec.object_type}")
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in request.params.items())
    json.dumps(request.json, allow_nan=False)
    if request.json is not None and "properties" in request.json and spec.kind != "read":
        assert all(isinstance(v, str) for v in request.json["properties"].values())


@pytest.mark.parametrize("tool", TOOL_NAMES)
@_SETTINGS
@given(data=st.data())
def test_valid_inputs_are_accepted_and_build_requests(tool: str, data: st.DataObject) -> None:
    """Any valid input is accepted and builds a well-formed request."""
    raw = data.draw(valid_inputs(tool), label="raw")
    parsed = parse_tool_input(tool, raw)
    _check_request(tool, get_tool(tool).build_request(parsed))


@pytest.mark.parametrize("tool", TOOL_NAMES)
@_SETTINGS
@given(data=st.data())
def test_canonical_input_is_a_fixed_point(tool: str, data: st.DataObject) -> None:
    """The canonical form survives JSON, parses to the same model and request, fits the schema."""
    parsed = parse_tool_input(tool, data.draw(valid_inputs(tool), label="raw"))
    canonical = canonical_input(parsed)
    stored = json.loads(json.dumps(canonical, allow_nan=False))
    again = parse_tool_input(tool, stored)
    assert again == parsed
    assert canonical_input(again) == canonical
    assert get_tool(tool).build_request(again) == get_tool(tool).build_request(parsed)
    assert conforms(stored, SCHEMAS[tool])


@pytest.mark.parametrize("tool", TOOL_NAMES)
@_SETTINGS
@given(data=st.data())
def test_invalid_inputs_are_refused_with_invalid_tool_input(tool: str, data: st.DataObject) -> None:
    """Any input broken in one way raises InvalidToolInput (and nothing else) naming a field."""
    raw = data.draw(invalid_inputs(tool), label="raw")
    with pytest.raises(InvalidToolInput) as caught:
        parse_tool_input(tool, raw)
    errors: list[dict[str, str]] = caught.value.details["errors"]
    assert errors
    assert all(item["field"] and item["problem"] for item in errors)
    assert caught.value.message.startswith(f"invalid input for {tool}: ")


_JSON: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def _anything_at_known_keys(draw: st.DrawFn, tool: str) -> dict[str, Any]:
    keys = st.one_of(st.sampled_from(list(fields_of(tool))), st.text(max_size=8))
    return draw(st.dictionaries(keys, _JSON, max_size=6))


@pytest.mark.parametrize("tool", TOOL_NAMES)
@_SETTINGS
@given(data=st.data())
def test_arbitrary_input_never_raises_anything_else(tool: str, data: st.DataObject) -> None:
    """Arbitrary JSON at real and made-up keys is accepted or refused, never crashes."""
    raw = data.draw(st.one_of(_anything_at_known_keys(tool), _JSON), label="raw")
    try:
        parsed = parse_tool_input(tool, raw)
    except InvalidToolInput:
        return
    _check_request(tool, get_tool(tool).build_request(parsed))
