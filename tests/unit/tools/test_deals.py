"""Deal tools: create and update build the right requests and refuse bad input."""

from __future__ import annotations

import pytest

from schemas.tools import HubSpotRequest
from tests.unit.tools.support import problems_for, properties_sent, request_for

CREATE = "hubspot_deal_create"
UPDATE = "hubspot_deal_update"


def test_create_defaults_to_the_default_pipeline() -> None:
    """A create without a pipeline names the default one explicitly."""
    assert request_for(
        CREATE, {"dealname": "Big one", "dealstage": "qualifiedtobuy"}
    ) == HubSpotRequest(
        method="POST",
        path="/crm/v3/objects/deals",
        json={
            "properties": {
                "dealname": "Big one",
                "dealstage": "qualifiedtobuy",
                "pipeline": "default",
            }
        },
    )


@pytest.mark.parametrize("pipeline", [None, "", "Sales Pipeline", "DEFAULT"])
def test_create_pipeline_spellings_mean_default(pipeline: object) -> None:
    """Null, blank, the label or another case all mean the default pipeline."""
    sent = properties_sent(
        CREATE, {"dealname": "D", "dealstage": "closedwon", "pipeline": pipeline}
    )
    assert sent["pipeline"] == "default"


def test_create_with_every_field() -> None:
    """Every deal field is sent, with labels turned into internal values."""
    sent = properties_sent(
        CREATE,
        {
            "dealname": "Renewal",
            "dealstage": "Decision maker bought-in",
            "amount": "1234.50",
            "pipeline": "default",
            "closedate": "2026-12-31",
            "dealtype": "Existing Business",
            "description": "Second year.",
            "hs_priority": "medium",
        },
    )
    assert sent == {
        "dealname": "Renewal",
        "dealstage": "decisionmakerboughtin",
        "amount": "1234.5",
        "pipeline": "default",
        "closedate": "2026-12-31T00:00:00.000Z",
        "dealtype": "existingbusiness",
        "description": "Second year.",
        "hs_priority": "medium",
    }


@pytest.mark.parametrize(
    ("given", "sent"),
    [(75000, "75000"), (1234.5, "1234.5"), ("75000.00", "75000"), (0.1 + 0.2, "0.3"), ("42", "42")],
)
def test_amount_shapes(given: object, sent: str) -> None:
    """Amounts may be numbers or numeric text; they are sent as plain decimal text."""
    assert (
        properties_sent(CREATE, {"dealname": "D", "dealstage": "s", "amount": given})["amount"]
        == sent
    )


@pytest.mark.parametrize(
    "given",
    [
        "2026-06-30",
        " 2026-06-30 ",
        "2026-06-30T00:00:00Z",
        "2026-06-30T23:30:00-05:00",
        "2026-06-30 09:15",
    ],
)
def test_close_date_shapes(given: str) -> None:
    """A date or an ISO datetime is sent as that calendar day at midnight UTC."""
    sent = properties_sent(CREATE, {"dealname": "D", "dealstage": "s", "closedate": given})
    assert sent["closedate"] == "2026-06-30T00:00:00.000Z"


def test_unknown_enumeration_values_pass_through() -> None:
    """Values of custom pipelines and options are sent as given, for HubSpot to judge."""
    sent = properties_sent(
        CREATE,
        {"dealname": "D", "dealstage": "12345678", "pipeline": "98765", "hs_priority": "urgent"},
    )
    assert (sent["dealstage"], sent["pipeline"], sent["hs_priority"]) == (
        "12345678",
        "98765",
        "urgent",
    )


@pytest.mark.parametrize(
    ("raw", "field", "problem"),
    [
        ({"dealstage": "closedwon"}, "dealname", "field required"),
        ({"dealname": "D"}, "dealstage", "field required"),
        ({"dealname": " ", "dealstage": "closedwon"}, "dealname", "must be a non-empty string"),
        ({"dealname": "D", "dealstage": ""}, "dealstage", "must be a non-empty string"),
        ({"dealname": "D", "dealstage": "s", "amount": -1}, "amount", "must not be negative"),
        ({"dealname": "D", "dealstage": "s", "amount": "lots"}, "amount", "is not a number"),
        (
            {"dealname": "D", "dealstage": "s", "closedate": "2026-02-30"},
            "closedate",
            "not a real calendar date",
        ),
        (
            {"dealname": "D", "dealstage": "s", "closedate": "30/06/2026"},
            "closedate",
            "not a date in the form YYYY-MM-DD",
        ),
        (
            {"dealname": "D", "dealstage": "s", "closedate": "2026-06-30T99:00"},
            "closedate",
            "not a real calendar date",
        ),
        (
            {"dealname": "D", "dealstage": "s", "closedate": 1782777600000},
            "closedate",
            "got number",
        ),
        ({"dealname": "D", "dealstage": "s", "hs_priority": 3}, "hs_priority", "must be a string"),
    ],
)
def test_create_refusals(raw: dict[str, object], field: str, problem: str) -> None:
    """Missing names or stages, bad amounts and impossible dates are refused."""
    assert problem in problems_for(CREATE, raw)[field]


def test_update_moves_a_deal() -> None:
    """An update PATCHes only the given properties, stage labels as internal values."""
    assert request_for(
        UPDATE, {"deal_id": "314", "dealstage": "Closed Won", "amount": 99}
    ) == HubSpotRequest(
        method="PATCH",
        path="/crm/v3/objects/deals/314",
        json={"properties": {"dealstage": "closedwon", "amount": "99"}},
    )


def test_update_does_not_invent_a_pipeline() -> None:
    """Unlike a create, an update without a pipeline leaves the deal's pipeline alone."""
    assert "pipeline" not in properties_sent(UPDATE, {"deal_id": 1, "dealname": "Renamed"})


def test_update_with_nothing_to_change_is_refused() -> None:
    """An update with only the id is refused, listing what could be changed."""
    problem = problems_for(UPDATE, {"deal_id": 1, "amount": ""})["tool_input"]
    assert problem == (
        "give at least one property to change: dealname, dealstage, amount, closedate, "
        "pipeline, dealtype, description, hs_priority"
    )


def test_update_refuses_email_ids() -> None:
    """Deals have no email, so a deal id must be numeric."""
    assert "record id" in problems_for(UPDATE, {"deal_id": "a@b.co", "dealname": "X"})["deal_id"]
