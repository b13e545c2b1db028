"""The tool catalog of ``GET /v1/tools``: one entry per tool, self-contained described schemas."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas.tools import TOOLS, canonical_input, parse_tool_input, tool_catalog
from tests.unit.tools.schema_check import check_schema, conforms, properties_without_description

CATALOG = {entry["name"]: entry for entry in tool_catalog()}


def test_one_entry_per_tool_in_order() -> None:
    """The catalog lists every tool in the registry's order, with the five documented keys."""
    entries = tool_catalog()
    assert [entry["name"] for entry in entries] == list(TOOLS)
    for entry in entries:
        assert set(entry) == {"name", "description", "input_schema", "required_scopes", "read_only"}
        spec = TOOLS[entry["name"]]
        assert entry["required_scopes"] == list(spec.required_scopes)
        assert entry["read_only"] is spec.read_only
        assert entry["description"] == spec.description
        assert len(spec.description) > 60


@pytest.mark.parametrize("name", list(TOOLS))
def test_schemas_are_well_formed_objects(name: str) -> None:
    """Each input schema is a closed object schema with only keywords we know."""
    schema = CATALOG[name]["input_schema"]
    check_schema(schema)
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("name", list(TOOLS))
def test_schemas_are_self_contained(name: str) -> None:
    """No $ref or $defs anywhere: the schema stands alone for any LLM front end."""
    text = json.dumps(CATALOG[name]["input_schema"])
    assert "$ref" not in text
    assert "$defs" not in text


@pytest.mark.parametrize("name", list(TOOLS))
def test_every_field_is_described(name: str) -> None:
    """Every field, nested filter fields included, has a description for the LLM."""
    assert properties_without_description(CATALOG[name]["input_schema"]) == []


@pytest.mark.parametrize(
    ("name", "required"),
    [
        ("hubspot_contacts_search", []),
        ("hubspot_contact_create", ["email"]),
        ("hubspot_contact_get", ["contact_id"]),
        ("hubspot_contact_update", ["contact_id"]),
        ("hubspot_contacts_list", []),
        ("hubspot_company_create", ["name"]),
        ("hubspot_company_get", ["company_id"]),
        ("hubspot_companies_search", []),
        ("hubspot_deal_create", ["dealname", "dealstage"]),
        ("hubspot_deal_update", ["deal_id"]),
        ("hubspot_deals_search", []),
    ],
)
def test_required_fields_are_the_documented_ones(name: str, required: list[str]) -> None:
    """The schema's required list is DESIGN.md's bold inputs."""
    assert CATALOG[name]["input_schema"].get("required", []) == required


def test_search_schema_uses_hubspot_names() -> None:
    """Search fields are named as HubSpot names them (filterGroups, propertyName, highValue)."""
    schema: dict[str, Any] = CATALOG["hubspot_deals_search"]["input_schema"]
    assert list(schema["properties"]) == ["query", "filterGroups", "properties", "limit", "after"]
    group = schema["properties"]["filterGroups"]["anyOf"][0]["items"]
    condition = group["properties"]["filters"]["items"]
    assert list(condition["properties"]) == [
        "propertyName",
        "operator",
        "value",
        "highValue",
        "values",
    ]
    assert len(condition["properties"]["operator"]["enum"]) == 13


def test_documented_example_inputs_conform_to_their_schemas() -> None:
    """The DESIGN.md example inputs, as sent, satisfy the published schemas."""
    examples = {
        "hubspot_contacts_search": {
            "query": "acme corp",
            "properties": "firstname,email",
            "limit": 10,
        },
        "hubspot_deal_create": {
            "dealname": "D",
            "amount": 75000,
            "dealstage": "s",
            "closedate": "2026-06-30",
        },
        "hubspot_deals_search": {"filterGroups": "[]", "properties": "dealname", "limit": 20},
    }
    for name, raw in examples.items():
        schema = CATALOG[name]["input_schema"]
        assert conforms(raw, schema), name
        assert conforms(canonical_input(parse_tool_input(name, raw)), schema), name


def test_limits_are_stated_in_the_schema() -> None:
    """Page-size bounds appear in the schema, so an LLM can respect them without a round trip."""
    limit = CATALOG["hubspot_contacts_list"]["input_schema"]["properties"]["limit"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 100, 10)
    limit = CATALOG["hubspot_deals_search"]["input_schema"]["properties"]["limit"]
    assert limit["maximum"] == 200


def test_catalog_is_json_and_a_fresh_copy_each_time() -> None:
    """The catalog serialises to JSON, and a caller changing its copy changes no one else's."""
    first = tool_catalog()
    json.dumps(first)
    first[0]["input_schema"]["properties"].clear()
    assert tool_catalog()[0]["input_schema"]["properties"]
