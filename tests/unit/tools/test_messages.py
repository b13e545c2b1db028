"""InvalidToolInput messages: ``field: problem`` pairs an LLM and a human can act on."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from core.errors import InvalidToolInput
from schemas.tools import parse_tool_input
from schemas.tools.messages import field_path
from tests.unit.tools.support import problems_for


def test_message_lists_each_bad_field() -> None:
    """The message starts with the tool and lists ``field: problem`` pairs, semicolon-separated."""
    with pytest.raises(InvalidToolInput) as caught:
        parse_tool_input("hubspot_contacts_search", {"limit": 500, "query": 5})
    assert caught.value.message == (
        "invalid input for hubspot_contacts_search: query: must be a string, got number; "
        "limit: must be <= 200"
    )


def test_details_carry_the_same_problems() -> None:
    """The error's details hold the problems as ``{field, problem}`` for programs."""
    with pytest.raises(InvalidToolInput) as caught:
        parse_tool_input("hubspot_contact_create", {"limit": 3})
    error = caught.value
    assert error.details["errors"] == [
        {"field": "email", "problem": "field required"},
        {
            "field": "limit",
            "problem": "unknown field (valid fields: email, firstname, lastname, company, "
            "jobtitle, phone, website, lifecyclestage, hs_lead_status, properties, associations)",
        },
    ]
    assert error.to_dict()["code"] == "invalid_tool_input"
    assert error.http_status == 422
    assert "email: field required" in error.message


@pytest.mark.parametrize("raw", [5, "not json", "[1, 2]", [], True])
def test_input_that_is_not_an_object(raw: object) -> None:
    """An input that is not an object of fields is refused as a whole."""
    assert problems_for("hubspot_contacts_list", raw) == {
        "tool_input": "must be an object of named fields"
    }


def test_json_text_of_an_object_is_accepted() -> None:
    """An input sent as JSON text of an object is read as that object."""
    parsed = parse_tool_input("hubspot_contact_create", '{"email": "a@b.co"}')
    assert parsed == parse_tool_input("hubspot_contact_create", b'{"email": "a@b.co"}')


def test_any_mapping_is_accepted() -> None:
    """A read-only mapping is read like a dict."""
    parsed = parse_tool_input("hubspot_contact_create", MappingProxyType({"email": "a@b.co"}))
    assert parsed == parse_tool_input("hubspot_contact_create", {"email": "a@b.co"})


def test_no_input_means_no_arguments() -> None:
    """None is an empty input: fine for a list, a missing field for a create."""
    assert parse_tool_input("hubspot_contacts_list", None)
    assert problems_for("hubspot_contact_create", None) == {"email": "field required"}


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        ((), "tool_input"),
        (("email",), "email"),
        (("filterGroups", 0, "filters", 2, "value"), "filterGroups[0].filters[2].value"),
        ((3,), "[3]"),
    ],
)
def test_field_paths(loc: tuple[int | str, ...], path: str) -> None:
    """Locations read like code: dotted names, indexes in brackets."""
    assert field_path(loc) == path


def test_non_string_keys_are_reported_not_crashed_on() -> None:
    """A key that is not even a string is refused as such."""
    assert problems_for("hubspot_contacts_list", {1: "x"}) == {"[1]": "field names must be strings"}


def test_long_lists_of_problems_are_cut_short() -> None:
    """Past 20 problems the rest are counted, not listed: the first ones are enough to act on."""
    found = problems_for("hubspot_contact_create", {f"x{i}": i for i in range(30)})
    assert len(found) == 21
    assert found["tool_input"] == "11 more not shown"


def test_thousands_of_groups_are_refused_at_once() -> None:
    """A huge filterGroups list is refused on its length, before any group is examined."""
    groups = [{"filters": [{"propertyName": "a", "operator": "BAD"}]}] * 5000
    found = problems_for("hubspot_deals_search", {"filterGroups": groups})
    assert found == {"filterGroups": "at most 5 filter groups are allowed, got 5000"}
