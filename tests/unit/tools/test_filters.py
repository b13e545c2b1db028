"""Search filters: accepted shapes, operand rules, HubSpot's limits, enumeration matching."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas.tools.filters import OPERATORS
from tests.unit.tools.support import problems_for, request_for

SEARCH = "hubspot_deals_search"


def _sent(filter_groups: object, tool: str = SEARCH) -> list[dict[str, Any]]:
    body = request_for(tool, {"filterGroups": filter_groups}).json
    assert body is not None
    groups: list[dict[str, Any]] = body["filterGroups"]
    return groups


def _one(**condition: object) -> list[dict[str, object]]:
    return [{"filters": [{"propertyName": "amount", **condition}]}]


def _filter_problems(*filters: dict[str, object]) -> dict[str, str]:
    return problems_for(SEARCH, {"filterGroups": [{"filters": list(filters)}]})


@pytest.mark.parametrize(
    ("condition", "sent"),
    [
        ({"operator": "EQ", "value": "50000"}, {"operator": "EQ", "value": "50000"}),
        ({"operator": "neq", "value": 5}, {"operator": "NEQ", "value": "5"}),
        ({"operator": "LT", "value": 1.5}, {"operator": "LT", "value": "1.5"}),
        ({"operator": "LTE", "value": -2}, {"operator": "LTE", "value": "-2"}),
        ({"operator": "GT", "value": " 7 "}, {"operator": "GT", "value": "7"}),
        ({"operator": "GTE", "value": True}, {"operator": "GTE", "value": "true"}),
        (
            {"operator": "BETWEEN", "value": 1, "highValue": "9"},
            {"operator": "BETWEEN", "value": "1", "highValue": "9"},
        ),
        ({"operator": "IN", "values": [1, "b"]}, {"operator": "IN", "values": ["1", "b"]}),
        ({"operator": "NOT_IN", "values": ["a"]}, {"operator": "NOT_IN", "values": ["a"]}),
        ({"operator": "HAS_PROPERTY"}, {"operator": "HAS_PROPERTY"}),
        ({"operator": "NOT_HAS_PROPERTY", "value": None}, {"operator": "NOT_HAS_PROPERTY"}),
        (
            {"operator": "CONTAINS_TOKEN", "value": "*@acme.com"},
            {"operator": "CONTAINS_TOKEN", "value": "*@acme.com"},
        ),
        (
            {"operator": "not_contains_token", "value": "x"},
            {"operator": "NOT_CONTAINS_TOKEN", "value": "x"},
        ),
    ],
)
def test_each_operator_with_its_operands(
    condition: dict[str, object], sent: dict[str, object]
) -> None:
    """Every operator is accepted in any case with its operands, values sent as strings."""
    assert _sent(_one(**condition)) == [{"filters": [{"propertyName": "amount", **sent}]}]


def test_all_thirteen_operators_are_known() -> None:
    """The operator list is HubSpot's."""
    assert set(OPERATORS) == {
        "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
        "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"operator": "EQ"}, "EQ takes value (missing value)"),
        ({"operator": "EQ", "value": "  "}, "EQ takes value (missing value)"),
        ({"operator": "GT", "value": 1, "values": [1]}, "GT takes value (unexpected values)"),
        (
            {"operator": "BETWEEN", "value": 1},
            "BETWEEN takes highValue and value (missing highValue)",
        ),
        ({"operator": "BETWEEN", "highValue": 1}, "(missing value)"),
        ({"operator": "IN", "value": "a"}, "IN takes values (missing values, unexpected value)"),
        ({"operator": "NOT_IN", "values": []}, "NOT_IN takes values (missing values)"),
        (
            {"operator": "HAS_PROPERTY", "value": "x"},
            "HAS_PROPERTY takes no value (unexpected value)",
        ),
        ({"operator": "NOT_HAS_PROPERTY", "values": ["x"]}, "(unexpected values)"),
    ],
)
def test_operands_must_fit_the_operator(condition: dict[str, object], problem: str) -> None:
    """A filter with the wrong operands is refused, saying what is missing or extra."""
    found = _filter_problems({"propertyName": "amount", **condition})
    assert problem in found["filterGroups[0].filters[0]"]


@pytest.mark.parametrize("operator", ["LIKE", "=", "", "eqq", 3])
def test_unknown_operators_are_refused(operator: object) -> None:
    """An operator HubSpot does not have is refused, listing the ones it has."""
    found = _filter_problems({"propertyName": "amount", "operator": operator, "value": "1"})
    problem = found["filterGroups[0].filters[0].operator"]
    assert "EQ" in problem or "must be" in problem


def test_unknown_operator_message_lists_operators() -> None:
    """The message for a bad operator names all thirteen."""
    found = _filter_problems({"propertyName": "amount", "operator": "LIKE", "value": "1"})
    assert found["filterGroups[0].filters[0].operator"] == (
        "'LIKE' is not an operator; use one of " + ", ".join(OPERATORS)
    )


def test_filter_fields_are_checked() -> None:
    """A filter needs a property name; a misspelt key is named."""
    found = _filter_problems({"operator": "EQ", "value": "1", "propertyname": "amount"})
    assert found["filterGroups[0].filters[0].propertyName"] == "field required"
    assert found["filterGroups[0].filters[0].propertyname"] == "unknown field"


def test_filter_values_must_be_scalars() -> None:
    """A list or object as a value is refused."""
    found = _filter_problems({"propertyName": "a", "operator": "EQ", "value": ["x"]})
    assert found["filterGroups[0].filters[0].value"] == "must be a string, got array"
    found = _filter_problems({"propertyName": "a", "operator": "IN", "values": "x"})
    assert found["filterGroups[0].filters[0].values"] == "must be a list of values, got string"


def test_json_string_and_single_group_shapes() -> None:
    """Groups may come as a JSON string, or as one group object without the list."""
    groups = _one(operator="GT", value="50000")
    assert _sent(json.dumps(groups)) == _sent(groups) == _sent(groups[0])


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("[{", "is not valid JSON"),
        ("nope", "is not valid JSON"),
        (42, "must be a list of filter groups or a JSON string, got number"),
        ("42", "must be a list of filter groups or a JSON string, got number"),
    ],
)
def test_bad_group_containers(given: object, problem: str) -> None:
    """filterGroups that are neither a list, a group nor JSON text of one are refused."""
    assert problem in problems_for(SEARCH, {"filterGroups": given})["filterGroups"]


def test_a_flat_list_of_filters_is_refused() -> None:
    """Filters must be wrapped in a group; the error names the missing ``filters`` key."""
    found = problems_for(
        SEARCH, {"filterGroups": [{"propertyName": "amount", "operator": "GT", "value": "1"}]}
    )
    assert found["filterGroups[0].filters"] == "field required"
    assert found["filterGroups[0].propertyName"] == "unknown field"


def _groups(*sizes: int) -> list[dict[str, object]]:
    condition = {"propertyName": "amount", "operator": "GT", "value": "1"}
    return [{"filters": [condition] * size} for size in sizes]


@pytest.mark.parametrize("sizes", [(6,), (6, 6, 6), (4, 4, 4, 3, 3), (1, 1, 1, 1, 1)])
def test_groups_within_limits_are_accepted(sizes: tuple[int, ...]) -> None:
    """Up to 5 groups of 6 filters and 18 filters in all are accepted."""
    assert len(_sent(_groups(*sizes))) == len(sizes)


@pytest.mark.parametrize(
    ("sizes", "field", "problem"),
    [
        ((7,), "filterGroups[0].filters", "must have at most 6 items"),
        ((0,), "filterGroups[0].filters", "must have at least 1 item(s)"),
        ((1,) * 6, "filterGroups", "at most 5 filter groups are allowed, got 6"),
        ((6, 6, 6, 1), "filterGroups", "at most 18 filters in all are allowed, got 19"),
        ((4, 4, 4, 4, 3), "filterGroups", "at most 18 filters in all are allowed, got 19"),
    ],
)
def test_groups_beyond_limits_are_refused(sizes: tuple[int, ...], field: str, problem: str) -> None:
    """Too many groups, filters in a group, or filters in all are refused."""
    assert problems_for(SEARCH, {"filterGroups": _groups(*sizes)})[field] == problem


def test_enumeration_values_are_matched_for_the_object_type() -> None:
    """Deal enumerations in filters become internal values; other properties keep their text."""
    sent = _sent(
        [
            {
                "filters": [
                    {"propertyName": "hs_priority", "operator": "EQ", "value": "HIGH"},
                    {
                        "propertyName": "dealstage",
                        "operator": "IN",
                        "values": ["Closed Won", "closedlost"],
                    },
                    {"propertyName": "dealname", "operator": "EQ", "value": "HIGH"},
                ]
            }
        ]
    )
    assert [f.get("value") or f.get("values") for f in sent[0]["filters"]] == [
        "high",
        ["closedwon", "closedlost"],
        "HIGH",
    ]


def test_enumerations_of_other_types_are_not_matched() -> None:
    """A contact search leaves a deal property's value alone, and vice versa."""
    contacts = _sent(_priority_and_stage(), tool="hubspot_contacts_search")
    assert [f["value"] for f in contacts[0]["filters"]] == ["HIGH", "lead"]
    deals = _sent(_priority_and_stage(), tool="hubspot_deals_search")
    assert [f["value"] for f in deals[0]["filters"]] == ["high", "Lead"]


def _priority_and_stage() -> list[dict[str, object]]:
    return [
        {
            "filters": [
                {"propertyName": "hs_priority", "operator": "EQ", "value": "HIGH"},
                {"propertyName": "lifecyclestage", "operator": "EQ", "value": "Lead"},
            ]
        }
    ]


def test_contact_enumerations_are_matched_in_contact_search() -> None:
    """A contact search matches contact enumerations (lifecyclestage, hs_lead_status)."""
    sent = _sent(
        [
            {
                "filters": [
                    {"propertyName": "lifecyclestage", "operator": "EQ", "value": "Lead"},
                    {"propertyName": "hs_lead_status", "operator": "NEQ", "value": "new"},
                ]
            }
        ],
        tool="hubspot_contacts_search",
    )
    assert [f["value"] for f in sent[0]["filters"]] == ["lead", "NEW"]
