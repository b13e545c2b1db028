"""Portal-specific tool schemas and the associations of create bodies (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import InvalidToolInput
from schemas.portal import PortalSchema
from schemas.portal_tools import portal_tool_catalog
from schemas.tools import get_tool, parse_tool_input, tool_catalog
from tests.portal.portal_data import custom_document


def _fields(catalog: list[dict[str, Any]], tool: str) -> dict[str, Any]:
    entry = next(t for t in catalog if t["name"] == tool)
    fields: dict[str, Any] = entry["input_schema"]["properties"]
    return fields


def test_enums_list_the_portals_options() -> None:
    """Stage values of every pipeline, the pipelines and each enumeration's values."""
    schema = PortalSchema.from_document(custom_document())
    catalog = portal_tool_catalog(schema)
    deal = _fields(catalog, "hubspot_deal_create")
    assert deal["dealstage"]["enum"] == [
        "appointmentscheduled",
        "qualifiedtobuy",
        "contractsent",
        "closedwon",
        "88001",
        "88002",
        "88003",
    ]
    assert "pipeline Partners (77001): Intro call (88001)" in deal["dealstage"]["description"]
    assert deal["pipeline"]["enum"] == ["default", "77001"]
    assert deal["dealtype"]["enum"] == ["newbusiness", "partnership"]
    assert "partner_tier (Partner Tier, string)" in deal["properties"]["description"]
    contact = _fields(catalog, "hubspot_contact_update")
    assert contact["lifecyclestage"]["enum"] == ["lead", "customer", "9001"]
    assert "Champion (9001)" in contact["lifecyclestage"]["description"]
    assert _fields(catalog, "hubspot_company_create")["industry"]["enum"] == [
        "COMPUTER_SOFTWARE",
        "BANKING",
    ]


def test_without_a_schema_the_catalog_is_unchanged() -> None:
    """No cached copy: the catalog's own schemas."""
    assert portal_tool_catalog(None) == tool_catalog()


def test_read_tools_keep_their_schemas() -> None:
    """Search and read tools have no enumeration fields to narrow."""
    catalog = portal_tool_catalog(PortalSchema.from_document(custom_document()))
    plain = tool_catalog()
    assert _fields(catalog, "hubspot_deals_search") == _fields(plain, "hubspot_deals_search")


@pytest.mark.parametrize(
    ("tool", "raw", "expected"),
    [
        (
            "hubspot_contact_create",
            {"email": "a@b.co", "associations": {"company_ids": [7], "deal_ids": ["8"]}},
            [("7", 279), ("8", 4)],
        ),
        (
            "hubspot_company_create",
            {"name": "A", "associations": {"contact_ids": ["1", 1], "deal_ids": [2]}},
            [("1", 280), ("2", 342)],
        ),
        (
            "hubspot_deal_create",
            {"dealname": "D", "dealstage": "closedwon",
             "associations": {"contact_ids": [3], "company_ids": [4]}},
            [("3", 3), ("4", 341)],
        ),
    ],
)  # fmt: skip
def test_associations_use_hubspots_default_types(
    tool: str, raw: dict[str, Any], expected: list[tuple[str, int]]
) -> None:
    """Each linked record is one v3 association with the direction's default type id."""
    body = get_tool(tool).build_request(parse_tool_input(tool, raw)).json
    assert body is not None
    assert body["associations"] == [
        {"to": {"id": record},
         "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]}
        for record, type_id in expected
    ]  # fmt: skip


def test_a_link_to_the_own_type_is_refused() -> None:
    """HubSpot has no default deal-to-deal type: the agent is told which keys it may use."""
    with pytest.raises(InvalidToolInput, match="contact_ids and company_ids only"):
        parse_tool_input("hubspot_deal_create", {"dealname": "D", "dealstage": "x",
                                                 "associations": {"deal_ids": [1]}})  # fmt: skip


def test_extra_properties_are_merged_and_duplicates_refused() -> None:
    """Custom properties join the body; one that repeats a named field is refused."""
    body = (
        get_tool("hubspot_deal_update")
        .build_request(
            parse_tool_input(
                "hubspot_deal_update",
                {"deal_id": 9, "amount": 5, "properties": {"partner_tier": "gold", "seats": 12.50}},
            )
        )
        .json
    )
    assert body == {"properties": {"amount": "5", "partner_tier": "gold", "seats": "12.5"}}
    with pytest.raises(InvalidToolInput, match="duplicates the top-level field 'amount'"):
        parse_tool_input("hubspot_deal_update", {"deal_id": 9, "properties": {"amount": 1}})
