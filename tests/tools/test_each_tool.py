"""Each of the 11 tools against the sandbox through the whole pipeline, and what comes back."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from producer import Actions, ToolError
from tests.support.stack import Stack
from tests.support.tools_stack import connected, unique

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def _runner(stack: Stack, http_actions: Actions, prefix: str) -> partial[Any]:
    """``execute_tool`` over HTTP for a new identifier connected to a new portal."""
    identifier, _ = connected(stack, prefix)
    return partial(http_actions.execute_tool, identifier=identifier)


def test_contact_tools(stack: Stack, http_actions: Actions) -> None:
    """Create, get (by id and by email), update, list and search contacts."""
    run = _runner(stack, http_actions, "tools_contacts")
    email = f"{unique('ada')}@analytical.example"

    created = run(
        tool_name="hubspot_contact_create",
        tool_input={
            "email": email,
            "firstname": "Ada",
            "lastname": "Lovelace",
            "company": "Analytical Engines",
            "phone": "+44 20 7946 0000",
            "website": "https://analytical.example",
            "lifecyclestage": "Marketing Qualified Lead",
            "hs_lead_status": "open",
        },
    )
    contact_id = created["id"]
    assert created["properties"]["lifecyclestage"] == "marketingqualifiedlead"
    assert created["properties"]["hs_lead_status"] == "OPEN"

    by_id = run(
        tool_name="hubspot_contact_get",
        tool_input={"contact_id": contact_id, "properties": ["email", "company"]},
    )
    by_email = run(
        tool_name="hubspot_contact_get",
        tool_input={"contact_id": email, "properties": "email,firstname"},
    )
    assert by_id["properties"]["company"] == "Analytical Engines"
    assert by_email["id"] == contact_id

    updated = run(
        tool_name="hubspot_contact_update",
        tool_input={"contact_id": contact_id, "jobtitle": "Analyst", "lifecyclestage": "customer"},
    )
    assert updated["properties"]["jobtitle"] == "Analyst"
    assert updated["properties"]["lifecyclestage"] == "customer"

    listed = run(
        tool_name="hubspot_contacts_list",
        tool_input={"limit": 5, "properties": "email,jobtitle"},
    )
    assert [r["id"] for r in listed["results"]] == [contact_id]

    searched = run(
        tool_name="hubspot_contacts_search",
        tool_input={
            "filterGroups": [
                {"filters": [{"propertyName": "jobtitle", "operator": "EQ", "value": "Analyst"}]}
            ],
            "properties": ["email"],
        },
    )
    assert searched["total"] == 1
    assert searched["results"][0]["properties"]["email"] == email


def test_company_tools(stack: Stack, http_actions: Actions) -> None:
    """Create, get and search companies; numeric strings are accepted for numbers."""
    run = _runner(stack, http_actions, "tools_companies")
    created = run(
        tool_name="hubspot_company_create",
        tool_input={
            "name": "Babbage & Co",
            "domain": "babbage.example",
            "industry": "COMPUTER_SOFTWARE",
            "city": "London",
            "country": "United Kingdom",
            "annualrevenue": "1200000",
            "numberofemployees": 42,
            "description": "Difference engines",
        },
    )
    assert created["properties"]["numberofemployees"] == "42"
    got = run(
        tool_name="hubspot_company_get",
        tool_input={"company_id": created["id"], "properties": "name,domain,annualrevenue"},
    )
    assert got["properties"]["name"] == "Babbage & Co"
    assert got["properties"]["annualrevenue"] == "1200000"
    found = run(
        tool_name="hubspot_companies_search",
        tool_input={"query": "babbage", "properties": "name,domain"},
    )
    assert found["total"] == 1
    assert found["results"][0]["id"] == created["id"]


def test_deal_tools(stack: Stack, http_actions: Actions) -> None:
    """Create (default pipeline when absent, stage by label), update and search deals."""
    run = _runner(stack, http_actions, "tools_deals")
    created = run(
        tool_name="hubspot_deal_create",
        tool_input={"dealname": "Engine order", "dealstage": "Qualified to buy", "amount": "9.5"},
    )
    assert created["properties"]["pipeline"] == "default"
    assert created["properties"]["dealstage"] == "qualifiedtobuy"
    updated = run(
        tool_name="hubspot_deal_update",
        tool_input={
            "deal_id": created["id"],
            "dealstage": "closedwon",
            "closedate": "2026-07-01",
            "dealtype": "newbusiness",
        },
    )
    assert updated["properties"]["dealstage"] == "closedwon"
    assert updated["properties"]["closedate"].startswith("2026-07-01")
    found = run(
        tool_name="hubspot_deals_search",
        tool_input={
            "query": "engine",
            "filterGroups": '[{"filters": [{"propertyName": "dealstage", "operator": "IN", '
            '"values": ["closedwon", "closedlost"]}]}]',
            "limit": 5,
        },
    )
    assert found["total"] == 1
    assert found["results"][0]["id"] == created["id"]


@pytest.mark.usefixtures("clear_faults")
def test_hubspot_refusals_come_back_as_tool_errors(stack: Stack, http_actions: Actions) -> None:
    """A 404 and an unknown enumeration value come back as hubspot_error with HubSpot's words."""
    # No portal schema cache (its reads refused), so HubSpot, not the submit check, refuses.
    stack.sandbox.control.add_fault("/crm/v3/properties", status=403)
    stack.sandbox.control.add_fault("/crm/v3/pipelines", status=403)
    identifier, _ = connected(stack, "tools_refusals")
    with pytest.raises(ToolError) as missing:
        http_actions.execute_tool(
            identifier=identifier, tool_name="hubspot_company_get", tool_input={"company_id": "99"}
        )
    assert missing.value.code == "hubspot_error"
    assert missing.value.retryable is False
    assert missing.value.details["hubspot"]["status"] == 404
    with pytest.raises(ToolError) as invalid:
        http_actions.execute_tool(
            identifier=identifier,
            tool_name="hubspot_deal_create",
            tool_input={"dealname": "Odd", "dealstage": "not-a-stage"},
        )
    assert invalid.value.code == "hubspot_error"
    assert "not-a-stage" in invalid.value.message
    assert invalid.value.details["hubspot"]["correlation_id"]
