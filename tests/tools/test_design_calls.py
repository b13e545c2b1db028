"""DESIGN.md section 5's four calls, exactly as the public guide writes them, through the whole
pipeline (web or in-process producer, Redis, worker, sandbox), in both client modes."""

from __future__ import annotations

import json

import pytest

from producer import Actions
from tests.support.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_the_four_guide_calls_work_as_written(stack: Stack, actions: Actions) -> None:
    """Search, contact create, deal create and deal search return HubSpot's JSON unchanged."""
    # Given the guide's user, connected to a fresh portal (re-authorizing moves the same account).
    stack.connect("user_hs_456")
    execute_tool = actions.execute_tool

    # When the guide's four calls run, token for token (two long lines wrapped).
    r0 = execute_tool(identifier="user_hs_456", tool_name="hubspot_contacts_search", tool_input={
    "query": "acme corp", "properties": "firstname,lastname,email,jobtitle,lifecyclestage", "limit": 10})  # fmt: skip  # noqa: E501
    jane = execute_tool(identifier="user_hs_456", tool_name="hubspot_contact_create", tool_input={
    "email": "jane@acmecorp.com", "firstname": "Jane", "lastname": "Smith",
    "jobtitle": "VP of Engineering", "company": "Acme Corp", "lifecyclestage": "lead"})  # fmt: skip
    deal = execute_tool(identifier="user_hs_456", tool_name="hubspot_deal_create", tool_input={
"dealname": "Acme Corp — Enterprise 2026", "amount": 75000, "dealstage": "presentationscheduled",
    "pipeline": "default", "closedate": "2026-06-30", "hs_priority": "HIGH"})  # fmt: skip
    found = execute_tool(identifier="user_hs_456", tool_name="hubspot_deals_search", tool_input={
    "filterGroups": json.dumps([{"filters": [
        {"propertyName": "dealstage", "operator": "EQ", "value": "presentationscheduled"},
        {"propertyName": "amount", "operator": "GT", "value": "50000"}]}]),
    "properties": "dealname,amount,dealstage,closedate,hs_priority", "limit": 20})  # fmt: skip
    after = execute_tool(identifier="user_hs_456", tool_name="hubspot_contacts_search", tool_input={
    "query": "acme corp", "properties": "firstname,lastname,email,jobtitle,lifecyclestage", "limit": 10})  # fmt: skip  # noqa: E501

    # Then each answer is HubSpot's own JSON.
    assert r0["total"] == 0
    assert r0["results"] == []
    assert jane["id"].isdigit()
    assert jane["properties"]["email"] == "jane@acmecorp.com"
    assert jane["properties"]["lifecyclestage"] == "lead"
    assert deal["properties"]["dealname"] == "Acme Corp — Enterprise 2026"
    assert deal["properties"]["amount"] == "75000"
    assert deal["properties"]["hs_priority"] == "high"
    assert deal["properties"]["pipeline"] == "default"
    assert found["total"] == 1
    assert found["results"][0]["id"] == deal["id"]
    assert set(found["results"][0]["properties"]) >= {"dealname", "amount", "dealstage"}
    assert after["total"] == 1
    assert after["results"][0]["id"] == jane["id"]
    assert after["results"][0]["properties"]["jobtitle"] == "VP of Engineering"
