"""The four calls of DESIGN.md section 5, as the public guide writes them, reach HubSpot right.

``execute_tool`` below stands in for ``Actions.execute_tool`` at the boundary this package owns:
it validates the input and returns the request the worker would send. The call sites are the
guide's, token for token and line for line (two over-long lines are wrapped).
"""

from __future__ import annotations

import json

from schemas.tools import HubSpotRequest, get_tool, parse_tool_input
from tests.support.guide import GUIDE_CONTACT


def execute_tool(*, identifier: str, tool_name: str, tool_input: object) -> HubSpotRequest:
    """What the pipeline does with a call before it needs the account: parse, then build."""
    assert identifier == "user_hs_456"
    return get_tool(tool_name).build_request(parse_tool_input(tool_name, tool_input))


def test_contacts_search_example() -> None:
    """The guide's contact search sends the query, the five properties as a list, and limit 10."""
    sent = execute_tool(identifier="user_hs_456", tool_name="hubspot_contacts_search", tool_input={
    "query": "acme corp",
    "properties": "firstname,lastname,email,jobtitle,lifecyclestage", "limit": 10})  # fmt: skip
    assert sent == HubSpotRequest(
        method="POST",
        path="/crm/v3/objects/contacts/search",
        json={
            "query": "acme corp",
            "properties": ["firstname", "lastname", "email", "jobtitle", "lifecyclestage"],
            "limit": 10,
        },
    )


def test_contact_create_example() -> None:
    """The guide's contact create sends the six properties unchanged."""
    sent = execute_tool(identifier="user_hs_456", tool_name="hubspot_contact_create", tool_input={
    "email": "jane@acmecorp.com", "firstname": "Jane", "lastname": "Smith",
    "jobtitle": "VP of Engineering", "company": "Acme Corp", "lifecyclestage": "lead"})  # fmt: skip
    assert sent == HubSpotRequest(
        method="POST", path="/crm/v3/objects/contacts", json={"properties": GUIDE_CONTACT}
    )


def test_deal_create_example() -> None:
    """The guide's deal create sends amount as text, a midnight-UTC close date, high priority."""
    sent = execute_tool(identifier="user_hs_456", tool_name="hubspot_deal_create", tool_input={
    "dealname": "Acme Corp — Enterprise 2026", "amount": 75000,
    "dealstage": "presentationscheduled",
    "pipeline": "default", "closedate": "2026-06-30", "hs_priority": "HIGH"})  # fmt: skip
    assert sent == HubSpotRequest(
        method="POST",
        path="/crm/v3/objects/deals",
        json={
            "properties": {
                "dealname": "Acme Corp — Enterprise 2026",
                "amount": "75000",
                "dealstage": "presentationscheduled",
                "pipeline": "default",
                "closedate": "2026-06-30T00:00:00.000Z",
                "hs_priority": "high",
            }
        },
    )


def test_deals_search_example() -> None:
    """The guide's deal search sends its JSON-string filter groups as a list."""
    sent = execute_tool(identifier="user_hs_456", tool_name="hubspot_deals_search", tool_input={
    "filterGroups": json.dumps([{"filters": [
        {"propertyName": "dealstage", "operator": "EQ", "value": "presentationscheduled"},
        {"propertyName": "amount", "operator": "GT", "value": "50000"}]}]),
    "properties": "dealname,amount,dealstage,closedate,hs_priority", "limit": 20})  # fmt: skip
    assert sent == HubSpotRequest(
        method="POST",
        path="/crm/v3/objects/deals/search",
        json={
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "dealstage",
                            "operator": "EQ",
                            "value": "presentationscheduled",
                        },
                        {"propertyName": "amount", "operator": "GT", "value": "50000"},
                    ]
                }
            ],
            "properties": ["dealname", "amount", "dealstage", "closedate", "hs_priority"],
            "limit": 20,
        },
    )
