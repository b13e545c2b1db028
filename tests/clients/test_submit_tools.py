"""``Actions.submit_tools``: any number of submissions, 100 per call, in both client modes."""

from __future__ import annotations

import pytest

from producer import Actions, ToolError
from schemas.jobs import JobView
from tests.support.stack import Stack
from tests.support.tools_stack import connected, unique

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_submit_tools_takes_any_number_and_keeps_order_and_refusals(
    stack: Stack, actions: Actions
) -> None:
    """250 submissions (three batch calls) come back in order: 249 jobs that succeed and, in
    its place, the one refused (unknown tool) as a ToolError; the default lane is bulk."""
    identifier, _ = connected(stack, "submit_tools")
    emails = [f"{unique('st')}@bulk.example" for _ in range(250)]
    submissions = [
        {
            "identifier": identifier,
            "tool_name": "hubspot_contact_create",
            "tool_input": {"email": email},
        }
        for email in emails
    ]
    submissions[137] = {"identifier": identifier, "tool_name": "hubspot_nope", "tool_input": {}}
    results = actions.submit_tools(iter(submissions))
    assert len(results) == 250
    refused = results[137]
    assert isinstance(refused, ToolError)
    assert refused.code == "unknown_tool"
    jobs = [r for r in results if isinstance(r, JobView)]
    assert len(jobs) == 249
    assert {job.lane for job in jobs} == {"bulk"}
    finished = [actions.get_job(job.id, wait=30) for job in jobs]
    assert [job.status for job in finished] == ["succeeded"] * 249
    created = [job.result["properties"]["email"] for job in finished if job.result]
    assert created == [e for n, e in enumerate(emails) if n != 137]


def test_submit_tools_refusals_carry_a_fresh_link(stack: Stack, actions: Actions) -> None:
    """A submission for an account that was never authorized is refused with a reauth link."""
    pending = unique("never_authorized")
    actions.get_or_create_connected_account(connection_name="hubspot", identifier=pending)
    (refused,) = actions.submit_tools(
        [{"identifier": pending, "tool_name": "hubspot_contacts_list", "tool_input": {}}]
    )
    assert isinstance(refused, ToolError)
    assert refused.code == "account_pending"
    assert refused.reauth_link
