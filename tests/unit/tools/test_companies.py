"""Company tools: create and get build the right requests and refuse bad input."""

from __future__ import annotations

import pytest

from schemas.tools import HubSpotRequest
from tests.unit.tools.support import problems_for, properties_sent, request_for

CREATE = "hubspot_company_create"
GET = "hubspot_company_get"


def test_create_with_only_a_name() -> None:
    """A create needs only a name."""
    assert request_for(CREATE, {"name": " Acme Corp "}) == HubSpotRequest(
        method="POST", path="/crm/v3/objects/companies", json={"properties": {"name": "Acme Corp"}}
    )


def test_create_with_every_field() -> None:
    """Every company field is sent as given but revenue, which goes as HubSpot's number text."""
    given = {
        "name": "Acme Corp",
        "domain": "acmecorp.com",
        "industry": "COMPUTER_SOFTWARE",
        "phone": "+1 555 0100",
        "city": "Springfield",
        "state": "Oregon",
        "country": "United States",
        "description": "Makes everything.",
        "annualrevenue": 5_000_000,
        "numberofemployees": "250",
    }
    assert properties_sent(CREATE, given) == {**given, "annualrevenue": "5000000"}


@pytest.mark.parametrize(
    ("given", "sent"),
    [(1234.5, "1234.5"), ("1234.50", "1234.5"), (" 7e3 ", "7000"), (0, "0"), ("0.00", "0")],
)
def test_annual_revenue_shapes(given: object, sent: str) -> None:
    """Revenue may be a number or numeric text; it is sent as plain decimal text."""
    assert properties_sent(CREATE, {"name": "A", "annualrevenue": given})["annualrevenue"] == sent


@pytest.mark.parametrize(("given", "sent"), [(250, "250"), (250.0, "250"), ("1e3", "1000")])
def test_employee_count_shapes(given: object, sent: str) -> None:
    """Head count may be a whole number in any form; it is sent as integer text."""
    assert (
        properties_sent(CREATE, {"name": "A", "numberofemployees": given})["numberofemployees"]
        == sent
    )


@pytest.mark.parametrize(
    ("raw", "field", "problem"),
    [
        ({}, "name", "field required"),
        ({"name": ""}, "name", "must be a non-empty string"),
        ({"name": "A", "annualrevenue": -1}, "annualrevenue", "must not be negative"),
        ({"name": "A", "annualrevenue": "5M"}, "annualrevenue", "'5M' is not a number"),
        ({"name": "A", "annualrevenue": "5,000"}, "annualrevenue", "'5,000' is not a number"),
        ({"name": "A", "annualrevenue": "NaN"}, "annualrevenue", "must be a finite number"),
        ({"name": "A", "annualrevenue": True}, "annualrevenue", "must be a number, got boolean"),
        ({"name": "A", "annualrevenue": 1e30}, "annualrevenue", "must be less than"),
        ({"name": "A", "numberofemployees": 12.5}, "numberofemployees", "must be a whole number"),
        ({"name": "A", "numberofemployees": -3}, "numberofemployees", "must not be negative"),
        ({"name": "A", "numberofemployees": [3]}, "numberofemployees", "got array"),
    ],
)
def test_create_refusals(raw: dict[str, object], field: str, problem: str) -> None:
    """Missing names and bad numbers are refused, naming the field."""
    assert problem in problems_for(CREATE, raw)[field]


def test_get_by_id_with_properties() -> None:
    """A company is read by numeric id, with the properties asked for."""
    assert request_for(GET, {"company_id": 9001, "properties": "name, domain"}) == HubSpotRequest(
        method="GET",
        path="/crm/v3/objects/companies/9001",
        params={"properties": "name,domain"},
    )


def test_get_refuses_email_as_id() -> None:
    """Only contacts can be named by email; a company id must be numeric."""
    problem = problems_for(GET, {"company_id": "ceo@acme.com"})["company_id"]
    assert "is not a HubSpot record id" in problem
