"""canonical_input: the stored form of an input, equal for equivalent calls and a fixed point."""

from __future__ import annotations

import json

import pytest

from schemas.tools import canonical_input, get_tool, parse_tool_input

EXAMPLES = [
    ("hubspot_contacts_search", {"query": " acme ", "properties": "email, firstname", "after": 10}),
    ("hubspot_contact_create", {"email": " a@b.co ", "lifecyclestage": "Lead", "firstname": ""}),
    ("hubspot_contact_get", {"contact_id": "a@b.co", "properties": ["email"]}),
    ("hubspot_contact_update", {"contact_id": 7, "hs_lead_status": "new"}),
    ("hubspot_contacts_list", {"limit": "25", "archived": "true"}),
    ("hubspot_company_create", {"name": "Acme", "annualrevenue": 1e6, "numberofemployees": "12"}),
    ("hubspot_company_get", {"company_id": " 0042 "}),
    (
        "hubspot_companies_search",
        {"filterGroups": '{"filters": [{"propertyName": "name", "operator": "has_property"}]}'},
    ),
    (
        "hubspot_deal_create",
        {"dealname": "D", "dealstage": "Closed won", "closedate": "2026-06-30T10:00:00Z"},
    ),
    ("hubspot_deal_update", {"deal_id": 9, "amount": "10.50", "hs_priority": "HIGH"}),
    (
        "hubspot_deals_search",
        {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "amount",
                            "operator": "between",
                            "value": 1,
                            "highValue": 2.5,
                        }
                    ]
                }
            ]
        },
    ),
]


@pytest.mark.parametrize(("name", "raw"), EXAMPLES)
def test_canonical_input_is_a_fixed_point(name: str, raw: dict[str, object]) -> None:
    """Parsing the canonical input again gives the same model, canonical form and request."""
    parsed = parse_tool_input(name, raw)
    canonical = canonical_input(parsed)
    again = parse_tool_input(name, json.loads(json.dumps(canonical)))
    assert again == parsed
    assert canonical_input(again) == canonical
    assert get_tool(name).build_request(again) == get_tool(name).build_request(parsed)


def test_canonical_form_of_a_deal() -> None:
    """Canonical inputs hold normalised values: text numbers, plain dates, internal values."""
    parsed = parse_tool_input(
        "hubspot_deal_create",
        {
            "dealname": " D ",
            "dealstage": "Closed won",
            "amount": 75000.0,
            "closedate": "2026-06-30T10:00Z",
        },
    )
    assert canonical_input(parsed) == {
        "dealname": "D",
        "dealstage": "closedwon",
        "amount": "75000",
        "pipeline": "default",
        "closedate": "2026-06-30",
    }


@pytest.mark.parametrize(
    ("name", "first", "second"),
    [
        ("hubspot_contacts_list", {}, {"limit": "10", "archived": False, "after": ""}),
        (
            "hubspot_contact_get",
            {"contact_id": 5, "properties": "a,b"},
            {"contact_id": "5", "properties": ["a", "b", "a"]},
        ),
        (
            "hubspot_deal_create",
            {"dealname": "D", "dealstage": "s"},
            {"dealname": "D", "dealstage": "s", "pipeline": None},
        ),
        (
            "hubspot_deals_search",
            {
                "filterGroups": '[{"filters": [{"propertyName": "a", "operator": "EQ", '
                '"value": 1}]}]'
            },
            {"filterGroups": {"filters": [{"propertyName": "a", "operator": "eq", "value": "1"}]}},
        ),
    ],
)
def test_equivalent_inputs_have_equal_canonical_forms(
    name: str, first: dict[str, object], second: dict[str, object]
) -> None:
    """Two spellings of the same call store the same input (so idempotent resubmissions match)."""
    assert canonical_input(parse_tool_input(name, first)) == canonical_input(
        parse_tool_input(name, second)
    )
