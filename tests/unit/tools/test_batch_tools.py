"""The four batch tools: lists of the single tools' inputs, one HubSpot batch call each."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidToolInput
from schemas.tools import TOOLS, canonical_input, get_tool, parse_tool_input, tool_catalog
from tests.unit.tools.schema_check import conforms
from tests.unit.tools.strategies import invalid_inputs, valid_inputs

#: Each batch tool and the single tool whose inputs it takes.
ITEM_TOOL = {
    "hubspot_contacts_batch_create": "hubspot_contact_create",
    "hubspot_contacts_batch_update": "hubspot_contact_update",
    "hubspot_deals_batch_update": "hubspot_deal_update",
}
SCHEMAS = {entry["name"]: entry["input_schema"] for entry in tool_catalog()}
_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _key(tool: str, item: dict[str, object]) -> str:
    name = "email" if tool.endswith("create") else next(k for k in item if k.endswith("_id"))
    return str(item[name]).strip().lower()


def _batches(tool: str) -> st.SearchStrategy[dict[str, object]]:
    items = st.lists(
        valid_inputs(ITEM_TOOL[tool]), min_size=1, max_size=4, unique_by=lambda i: _key(tool, i)
    )
    return items.map(lambda inputs: {"inputs": inputs})


def test_the_batch_tools_are_registered_as_batch() -> None:
    """Exactly the four batch tools of DESIGN section 12 are marked batch."""
    assert [name for name, spec in TOOLS.items() if spec.batch] == [
        "hubspot_contacts_batch_create",
        "hubspot_contacts_batch_update",
        "hubspot_companies_batch_update",
        "hubspot_deals_batch_update",
    ]


@pytest.mark.parametrize("tool", list(ITEM_TOOL))
@_SETTINGS
@given(data=st.data())
def test_a_batch_of_valid_items_is_one_batch_call(tool: str, data: st.DataObject) -> None:
    """Valid items make one POST .../batch/{create,update} with one input per item, in order."""
    raw = data.draw(_batches(tool), label="raw")
    parsed = parse_tool_input(tool, raw)
    request = get_tool(tool).build_request(parsed)
    single = get_tool(ITEM_TOOL[tool])
    verb = "create" if tool.endswith("create") else "update"
    assert (request.method, request.path) == (
        "POST",
        f"/crm/v3/objects/{single.object_type}/batch/{verb}",
    )
    assert request.json is not None
    assert len(request.json["inputs"]) == len(raw["inputs"])  # type: ignore[arg-type]
    for item, sent in zip(raw["inputs"], request.json["inputs"], strict=True):  # type: ignore[call-overload]
        body = single.build_request(parse_tool_input(single.name, item)).json
        assert body is not None
        assert sent["properties"] == body["properties"]
    stored = json.loads(json.dumps(canonical_input(parsed)))
    assert parse_tool_input(tool, stored) == parsed
    assert conforms(stored, SCHEMAS[tool])


@pytest.mark.parametrize("tool", list(ITEM_TOOL))
@_SETTINGS
@given(data=st.data())
def test_one_broken_item_refuses_the_batch_naming_it(tool: str, data: st.DataObject) -> None:
    """A batch with one invalid item is refused, and the problem names ``inputs.<n>``."""
    good = data.draw(valid_inputs(ITEM_TOOL[tool]), label="good")
    bad = data.draw(invalid_inputs(ITEM_TOOL[tool]), label="bad")
    with pytest.raises(InvalidToolInput) as caught:
        parse_tool_input(tool, {"inputs": [good, bad]})
    fields = [item["field"] for item in caught.value.details["errors"]]
    assert any(field.startswith("inputs") for field in fields), fields


@pytest.mark.parametrize(
    ("tool", "inputs"),
    [
        ("hubspot_contacts_batch_create", [{"email": "a@acme.io"}, {"email": " A@ACME.io"}]),
        (
            "hubspot_contacts_batch_update",
            [
                {"contact_id": "a@acme.io", "firstname": "A"},
                {"contact_id": "A@acme.io", "lastname": "B"},
            ],
        ),
        (
            "hubspot_companies_batch_update",
            [{"company_id": "7", "name": "A"}, {"company_id": "7", "city": "Paris"}],
        ),
        (
            "hubspot_deals_batch_update",
            [{"deal_id": "9", "amount": 1}, {"deal_id": "9", "amount": 2}],
        ),
    ],
)
def test_two_items_naming_one_record_are_refused(
    tool: str, inputs: list[dict[str, object]]
) -> None:
    """Same id (or, for creates, the same email in any case) twice in a batch: 422, both named."""
    with pytest.raises(InvalidToolInput) as caught:
        parse_tool_input(tool, {"inputs": inputs})
    assert "inputs 0 and 1 name the same record" in caught.value.message


@pytest.mark.parametrize("count", [0, 101])
def test_a_batch_holds_one_to_a_hundred_items(count: int) -> None:
    """Empty batches and batches over HubSpot's 100 inputs are refused."""
    items = [{"deal_id": str(i + 1), "amount": i} for i in range(count)]
    with pytest.raises(InvalidToolInput):
        parse_tool_input("hubspot_deals_batch_update", {"inputs": items})


def test_company_batch_update_sends_ids_and_properties() -> None:
    """Company updates go by company_id with only the given properties, numbers as strings."""
    parsed = parse_tool_input(
        "hubspot_companies_batch_update",
        {
            "inputs": [
                {"company_id": "7", "numberofemployees": "250"},
                {"company_id": 8, "city": "Lyon"},
            ]
        },
    )
    request = get_tool("hubspot_companies_batch_update").build_request(parsed)
    assert request.json == {
        "inputs": [
            {"id": "7", "properties": {"numberofemployees": "250"}},
            {"id": "8", "properties": {"city": "Lyon"}},
        ]
    }


def test_contact_batch_update_by_email_sets_id_property_per_input() -> None:
    """An email "id" carries idProperty=email on its own input only."""
    parsed = parse_tool_input(
        "hubspot_contacts_batch_update",
        {
            "inputs": [
                {"contact_id": "j@acme.io", "firstname": "J"},
                {"contact_id": "12", "lastname": "K"},
            ]
        },
    )
    request = get_tool("hubspot_contacts_batch_update").build_request(parsed)
    assert request.json == {
        "inputs": [
            {"id": "j@acme.io", "idProperty": "email", "properties": {"firstname": "J"}},
            {"id": "12", "properties": {"lastname": "K"}},
        ]
    }


def test_only_the_single_contact_create_resends_after_a_lost_answer() -> None:
    """A batch create's outcome cannot be checked by one 409: it is not resent."""
    assert get_tool("hubspot_contact_create").retry_unknown_outcome is True
    assert get_tool("hubspot_contacts_batch_create").retry_unknown_outcome is False
    assert get_tool("hubspot_contacts_batch_update").retry_unknown_outcome is True
