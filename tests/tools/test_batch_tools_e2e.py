"""The four batch tools against the sandbox through the whole pipeline (one HubSpot call each)."""

from __future__ import annotations

import pytest

from producer import Actions, ToolError
from tests.support.stack import Stack
from tests.support.tools_stack import connected, request_count, unique

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_contacts_batch_create_then_update_by_email_and_id(
    stack: Stack, http_actions: Actions
) -> None:
    """Three contacts made in one call, then changed in one call by email and by id."""
    identifier, _ = connected(stack, "batch_contacts")
    emails = [f"{unique('b')}@batch.example" for _ in range(3)]
    before = request_count(stack, "POST /crm/v3/objects/contacts/batch/create")
    created = http_actions.execute_tool(
        identifier=identifier,
        tool_name="hubspot_contacts_batch_create",
        tool_input={"inputs": [{"email": e, "lifecyclestage": "Lead"} for e in emails]},
    )
    assert request_count(stack, "POST /crm/v3/objects/contacts/batch/create") == before + 1
    assert created["status"] == "COMPLETE"
    by_email = {r["properties"]["email"]: r for r in created["results"]}
    assert sorted(by_email) == sorted(emails)
    assert {r["properties"]["lifecyclestage"] for r in created["results"]} == {"lead"}

    first_id = by_email[emails[0]]["id"]
    updated = http_actions.execute_tool(
        identifier=identifier,
        tool_name="hubspot_contacts_batch_update",
        tool_input={
            "inputs": [
                {"contact_id": first_id, "jobtitle": "CTO"},
                {"contact_id": emails[1], "jobtitle": "CFO"},
            ]
        },
    )
    titles = {r["id"]: r["properties"]["jobtitle"] for r in updated["results"]}
    assert titles[first_id] == "CTO"
    assert titles[by_email[emails[1]]["id"]] == "CFO"


def test_companies_and_deals_batch_update(stack: Stack, http_actions: Actions) -> None:
    """A company and a deal made singly are changed through their batch tools."""
    identifier, _ = connected(stack, "batch_cd")
    company = http_actions.execute_tool(
        identifier=identifier, tool_name="hubspot_company_create", tool_input={"name": "Batchco"}
    )
    deal = http_actions.execute_tool(
        identifier=identifier,
        tool_name="hubspot_deal_create",
        tool_input={"dealname": "Batch deal", "dealstage": "appointmentscheduled"},
    )
    companies = http_actions.execute_tool(
        identifier=identifier,
        tool_name="hubspot_companies_batch_update",
        tool_input={"inputs": [{"company_id": company["id"], "city": "Lyon"}]},
    )
    assert companies["results"][0]["properties"]["city"] == "Lyon"
    deals = http_actions.execute_tool(
        identifier=identifier,
        tool_name="hubspot_deals_batch_update",
        tool_input={
            "inputs": [{"deal_id": deal["id"], "amount": "1200", "dealstage": "Closed Won"}]
        },
    )
    assert deals["results"][0]["properties"]["amount"] == "1200"
    assert deals["results"][0]["properties"]["dealstage"] == "closedwon"


def test_a_batch_naming_one_record_twice_is_refused_at_submit(
    stack: Stack, http_actions: Actions
) -> None:
    """Two updates of one deal in one batch: 422 at submission, nothing enqueued."""
    identifier, _ = connected(stack, "batch_dup")
    with pytest.raises(ToolError) as caught:
        http_actions.submit_tool(
            identifier=identifier,
            tool_name="hubspot_deals_batch_update",
            tool_input={"inputs": [{"deal_id": "1", "amount": 1}, {"deal_id": "1", "amount": 2}]},
        )
    assert caught.value.code == "invalid_tool_input"
