"""Contact tools: create, get, update and list build the right requests and refuse bad input."""

from __future__ import annotations

import pytest

from schemas.tools import HubSpotRequest
from tests.unit.tools.support import problems_for, properties_sent, request_for

CREATE = "hubspot_contact_create"
GET = "hubspot_contact_get"
UPDATE = "hubspot_contact_update"
LIST = "hubspot_contacts_list"


def test_create_with_only_email() -> None:
    """A create needs only an email, which is trimmed and sent as the one property."""
    assert request_for(CREATE, {"email": "  Jane@AcmeCorp.com "}) == HubSpotRequest(
        method="POST",
        path="/crm/v3/objects/contacts",
        json={"properties": {"email": "Jane@AcmeCorp.com"}},
    )


def test_create_with_every_field() -> None:
    """Every contact field is sent as given, enumerations as their internal values."""
    given = {
        "email": "jane@acmecorp.com",
        "firstname": "Jane",
        "lastname": "Smith",
        "company": "Acme Corp",
        "jobtitle": "VP of Engineering",
        "phone": "+1 555 0100",
        "website": "https://acmecorp.com",
        "lifecyclestage": "Marketing Qualified Lead",
        "hs_lead_status": "in progress",
    }
    assert properties_sent(CREATE, given) == {
        **given,
        "lifecyclestage": "marketingqualifiedlead",
        "hs_lead_status": "IN_PROGRESS",
    }


def test_create_leaves_out_null_and_blank_fields() -> None:
    """Fields given as null or blank are not sent at all."""
    sent = properties_sent(CREATE, {"email": "a@b.co", "firstname": None, "lastname": "  "})
    assert sent == {"email": "a@b.co"}


@pytest.mark.parametrize(
    ("raw", "field", "problem"),
    [
        ({}, "email", "field required"),
        ({"email": "   "}, "email", "must be a non-empty string"),
        ({"email": "jane.acmecorp.com"}, "email", "is not a valid email address"),
        ({"email": "jane@localhost"}, "email", "is not a valid email address"),
        ({"email": "Jane <jane@acme.com>"}, "email", "is not a valid email address"),
        ({"email": 42}, "email", "must be a string, got number"),
        ({"email": "a@b.co", "firstname": ["Jane"]}, "firstname", "must be a string, got array"),
        ({"email": "a@b.co", "firstnmae": "Jane"}, "firstnmae", "unknown field"),
    ],
)
def test_create_refusals_name_the_field(raw: dict[str, object], field: str, problem: str) -> None:
    """Each refusal names the field and says what is wrong with it."""
    assert problem in problems_for(CREATE, raw)[field]


def test_unknown_field_lists_the_valid_ones() -> None:
    """A typo'd field comes back with the list of real fields, so the agent can correct it."""
    problem = problems_for(CREATE, {"email": "a@b.co", "first_name": "Jane"})["first_name"]
    assert "valid fields: email, firstname, lastname" in problem


def test_get_by_id() -> None:
    """A numeric id, int or string, reads the contact at its path with HubSpot's properties."""
    expected = HubSpotRequest(method="GET", path="/crm/v3/objects/contacts/123")
    assert request_for(GET, {"contact_id": 123}) == expected
    assert request_for(GET, {"contact_id": " 123 "}) == expected


def test_get_with_properties_list_or_string() -> None:
    """Properties become one comma-joined query parameter, trimmed and deduplicated."""
    expected = HubSpotRequest(
        method="GET",
        path="/crm/v3/objects/contacts/123",
        params={"properties": "firstname,email"},
    )
    assert request_for(GET, {"contact_id": "123", "properties": ["firstname", "email"]}) == expected
    assert (
        request_for(GET, {"contact_id": "123", "properties": " firstname, email,,firstname"})
        == expected
    )
    assert request_for(GET, {"contact_id": "123", "properties": ["firstname,email"]}) == expected


def test_get_by_email_uses_id_property() -> None:
    """An email given as contact_id is quoted into the path and looked up with idProperty=email."""
    assert request_for(GET, {"contact_id": "jane+crm@acmecorp.com"}) == HubSpotRequest(
        method="GET",
        path="/crm/v3/objects/contacts/jane%2Bcrm%40acmecorp.com",
        params={"idProperty": "email"},
    )


@pytest.mark.parametrize(
    ("contact_id", "problem"),
    [
        ("abc", "is not a HubSpot record id"),
        ("12/../34", "is not a HubSpot record id"),
        ("\u0661\u0662", "is not a HubSpot record id"),
        (0, "is not a HubSpot record id"),
        (-5, "is not a HubSpot record id"),
        (True, "must be a numeric record id, got boolean"),
        (12.5, "must be a numeric record id, got number"),
        ("jane@", "is not a valid email address"),
    ],
)
def test_get_refuses_bad_ids(contact_id: object, problem: str) -> None:
    """Ids are positive numbers or emails; anything else is refused before it reaches a path."""
    assert problem in problems_for(GET, {"contact_id": contact_id})["contact_id"]


def test_get_requires_an_id() -> None:
    """contact_id is required."""
    assert problems_for(GET, {"properties": "email"}) == {"contact_id": "field required"}


def test_get_refuses_bad_property_names() -> None:
    """A property name with spaces or punctuation is refused, with an example of a good one."""
    problem = problems_for(GET, {"contact_id": 1, "properties": "first name"})["properties"]
    assert "'first name' is not a property's internal name" in problem
    problem = problems_for(GET, {"contact_id": 1, "properties": {"a": 1}})["properties"]
    assert problem == "must be a list of names or a comma-separated string, got object"
    problem = problems_for(GET, {"contact_id": 1, "properties": ["email", 3]})["properties"]
    assert problem == "each property name must be a string, got number"


def test_update_by_id() -> None:
    """An update PATCHes only the properties given."""
    assert request_for(
        UPDATE, {"contact_id": "77", "jobtitle": "CTO", "hs_lead_status": "new"}
    ) == (
        HubSpotRequest(
            method="PATCH",
            path="/crm/v3/objects/contacts/77",
            json={"properties": {"jobtitle": "CTO", "hs_lead_status": "NEW"}},
        )
    )


def test_update_by_email_can_change_the_email() -> None:
    """A contact named by email is updated with idProperty=email, even its own email."""
    assert request_for(UPDATE, {"contact_id": "old@acme.com", "email": "new@acme.com"}) == (
        HubSpotRequest(
            method="PATCH",
            path="/crm/v3/objects/contacts/old%40acme.com",
            params={"idProperty": "email"},
            json={"properties": {"email": "new@acme.com"}},
        )
    )


@pytest.mark.parametrize(
    "raw",
    [{"contact_id": 77}, {"contact_id": 77, "firstname": "", "phone": None, "email": "  "}],
)
def test_update_with_nothing_to_change_is_refused(raw: dict[str, object]) -> None:
    """An update that changes nothing is refused, listing what could be changed."""
    problem = problems_for(UPDATE, raw)["tool_input"]
    assert problem.startswith("give at least one property to change: email, firstname")


def test_update_refuses_bad_email() -> None:
    """A new email is validated like a create's."""
    assert "not a valid email" in problems_for(UPDATE, {"contact_id": 1, "email": "x@"})["email"]


def test_list_defaults() -> None:
    """A list without arguments asks for HubSpot's first page of 10."""
    expected = HubSpotRequest(method="GET", path="/crm/v3/objects/contacts", params={"limit": "10"})
    assert request_for(LIST, {}) == expected
    assert request_for(LIST, None) == expected


def test_list_with_every_argument() -> None:
    """Paging, properties and archived all go into the query string as text."""
    assert request_for(
        LIST, {"limit": "100", "after": 525, "properties": ["email"], "archived": True}
    ) == HubSpotRequest(
        method="GET",
        path="/crm/v3/objects/contacts",
        params={"limit": "100", "after": "525", "properties": "email", "archived": "true"},
    )


def test_list_null_arguments_mean_defaults() -> None:
    """Agents send null for "unset": limit and archived then take HubSpot's defaults."""
    raw = {"limit": None, "after": None, "properties": None, "archived": None}
    assert request_for(LIST, raw) == request_for(LIST, {})


def test_list_does_not_send_archived_false() -> None:
    """archived=false is HubSpot's default, so it is left out of the request."""
    assert "archived" not in request_for(LIST, {"archived": False}).params


def test_list_keeps_opaque_cursors() -> None:
    """A list cursor is opaque text, passed through as HubSpot gave it."""
    assert request_for(LIST, {"after": "NTI1Cg%3D%3D"}).params["after"] == "NTI1Cg%3D%3D"


@pytest.mark.parametrize(
    ("raw", "field", "problem"),
    [
        ({"limit": 101}, "limit", "must be <= 100"),
        ({"limit": 0}, "limit", "must be >= 1"),
        ({"limit": True}, "limit", "must be an integer, got boolean"),
        ({"limit": "ten"}, "limit", "must be an integer, got string 'ten'"),
        ({"limit": 2.5}, "limit", "must be an integer, got number 2.5"),
        ({"after": -1}, "after", "must be a paging cursor string, got number -1"),
        ({"after": ["x"]}, "after", "must be a string, got array"),
        ({"archived": "perhaps"}, "archived", "must be a valid boolean"),
    ],
)
def test_list_refusals(raw: dict[str, object], field: str, problem: str) -> None:
    """Out-of-range and mistyped list arguments are refused with a clear message."""
    assert problem in problems_for(LIST, raw)[field]
