"""Every row of DESIGN.md section 7 through real processes, with the sandbox's faults.

The shared stack's worker has a 1.5 s HubSpot read timeout, so "latency beyond the read timeout"
costs a couple of seconds. Faults match by path prefix: each test clears them afterwards.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.stack import Stack
from tests.support.tools_stack import (
    LATENCY_BEYOND_TIMEOUT_MS,
    connect_account,
    request_count,
    run_job,
    status_count,
    unique,
)

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.usefixtures("clear_faults")]

CONTACTS = "/crm/v3/objects/contacts"
COMPANIES = "/crm/v3/objects/companies"
DEALS = "/crm/v3/objects/deals"
CREATE_CONTACT = f"POST {CONTACTS}"
CREATE_COMPANY = f"POST {COMPANIES}"
CREATE_DEAL = f"POST {DEALS}"


def _outcomes(job: dict[str, object]) -> list[object]:
    history = job["history"]
    assert isinstance(history, list)
    return [entry["outcome"] for entry in history]


def _eventually_sent(stack: Stack, route: str, before: int) -> int:
    """Requests the sandbox answered on ``route`` since ``before``, once the first has landed (a
    create delayed past the read timeout lands after the job has given up on it)."""
    deadline = time.monotonic() + 10
    while request_count(stack, route) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)  # room for a (wrong) second create to show up
    return request_count(stack, route) - before


def _faulted_list(stack: Stack, prefix: str, **fault: Any) -> dict[str, Any]:
    """A contacts list for a new account with HubSpot's contact reads under ``fault``; the job
    once finished."""
    account = connect_account(stack, prefix)
    stack.sandbox.control.add_fault(CONTACTS, method="GET", **fault)
    return run_job(stack, account["identifier"], "hubspot_contacts_list", {})


def test_2xx_stores_hubspots_json(stack: Stack) -> None:
    """2xx: succeeded, HubSpot's JSON is the result, one attempt in the history."""
    account = connect_account(stack, "s7_ok")
    job = run_job(stack, account["identifier"], "hubspot_contacts_list", {"limit": 1})
    assert job["status"] == "succeeded"
    assert job["result"] == {"results": []}
    assert job["attempts"] == 1
    assert job["history"][0]["outcome"] == "succeeded"
    assert job["history"][0]["http_status"] == 200


def test_403_missing_scopes_fails_at_once_with_a_link(stack: Stack) -> None:
    """403 MISSING_SCOPES: fail missing_scopes with a re-authorization link, no retry."""
    job = _faulted_list(stack, "s7_403", status=403)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "missing_scopes"
    assert job["error"]["reauth_link"].startswith(stack.sandbox.base_url + "/oauth/authorize?")
    assert job["error"]["hubspot"]["status"] == 403
    assert job["attempts"] == 1


def test_429_waits_without_using_attempts(stack: Stack) -> None:
    """429 with Retry-After: the job waits (history says so) and succeeds on its first attempt."""
    job = _faulted_list(stack, "s7_429", status=429, retry_after=1, count=2)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 1
    assert _outcomes(job) == ["rate_limited", "rate_limited", "succeeded"]
    waits = job["history"][:2]
    assert all(w["http_status"] == 429 and 1.0 <= w["delay_s"] <= 1.2 for w in waits)


def test_429_ten_times_fails_rate_limited(stack: Stack) -> None:
    """After 10 rate-limit waits the 11th 429 fails the job hubspot_rate_limited."""
    job = _faulted_list(stack, "s7_429x", status=429, retry_after=0)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "hubspot_rate_limited"
    assert job["error"]["retryable"] is True
    assert _outcomes(job) == ["rate_limited"] * 10 + ["hubspot_rate_limited"]
    assert job["attempts"] == 1


def test_5xx_retries_with_backoff_then_succeeds(stack: Stack) -> None:
    """5xx: retried with backoff, each try an attempt in the history, then succeeded."""
    job = _faulted_list(stack, "s7_5xx", status=503, count=2)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 3
    assert _outcomes(job) == ["retry", "retry", "succeeded"]
    assert [h["http_status"] for h in job["history"]] == [503, 503, 200]


def test_timeout_on_a_read_is_retried(stack: Stack) -> None:
    """Latency beyond the read timeout on a read: outcome unknown, retried, succeeded."""
    job = _faulted_list(stack, "s7_slow_read", latency_ms=LATENCY_BEYOND_TIMEOUT_MS, count=1)
    assert job["status"] == "succeeded", job
    assert _outcomes(job) == ["outcome_unknown", "succeeded"]


def test_dropped_connection_on_a_read_is_retried(stack: Stack) -> None:
    """A connection dropped before or after the answer, on a read: retried, succeeded."""
    account = connect_account(stack, "s7_drop_read")
    for drop in ("before", "after"):
        stack.sandbox.control.add_fault(CONTACTS, method="GET", drop=drop, count=1)
        job = run_job(stack, account["identifier"], "hubspot_contacts_list", {})
        assert job["status"] == "succeeded", (drop, job)
        assert _outcomes(job) == ["outcome_unknown", "succeeded"]


@pytest.mark.parametrize("fault", ["drop_after", "timeout"])
def test_contact_create_with_lost_answer_succeeds_once(stack: Stack, fault: str) -> None:
    """Contact create whose answer is lost: retried; the 409 naming our contact is success."""
    account = connect_account(stack, "s7_contact")
    email = f"{unique('lost')}@answers.example"
    if fault == "drop_after":
        stack.sandbox.control.add_fault(CONTACTS, method="POST", drop="after", count=1)
    else:
        stack.sandbox.control.add_fault(
            CONTACTS, method="POST", latency_ms=LATENCY_BEYOND_TIMEOUT_MS, count=1
        )
    created_before = status_count(stack, CREATE_CONTACT, 201)
    job = run_job(
        stack, account["identifier"], "hubspot_contact_create", {"email": email, "firstname": "X"}
    )
    assert job["status"] == "succeeded", job
    assert job["result"]["properties"]["email"] == email
    assert job["result"]["properties"]["firstname"] == "X"
    assert _outcomes(job)[0] == "outcome_unknown"
    if fault == "drop_after":  # the first create landed: the retry met our own contact
        assert status_count(stack, CREATE_CONTACT, 201) - created_before == 1
        assert job["history"][-1]["category"] == "RECOVERED_DUPLICATE"
    found = run_job(
        stack,
        account["identifier"],
        "hubspot_contacts_search",
        {
            "filterGroups": [
                {"filters": [{"propertyName": "email", "operator": "EQ", "value": email}]}
            ]
        },
    )
    assert found["result"]["total"] == 1
    assert found["result"]["results"][0]["id"] == job["result"]["id"]


@pytest.mark.parametrize(
    ("tool", "path", "route", "tool_input"),
    [
        ("hubspot_company_create", COMPANIES, CREATE_COMPANY, {"name": "Lost Answer Inc"}),
        (
            "hubspot_deal_create",
            DEALS,
            CREATE_DEAL,
            {"dealname": "Lost answer", "dealstage": "appointmentscheduled"},
        ),
    ],
)
def test_company_and_deal_create_with_lost_answer_fail_outcome_unknown(
    stack: Stack, tool: str, path: str, route: str, tool_input: dict[str, object]
) -> None:
    """Company/deal create whose answer is lost (dropped, then timed out): failed
    outcome_unknown after one attempt, never retried into a silent duplicate."""
    account = connect_account(stack, "s7_no_dup")
    for fault in ({"drop": "after"}, {"latency_ms": LATENCY_BEYOND_TIMEOUT_MS}):
        stack.sandbox.control.add_fault(path, method="POST", count=1, **fault)
        sent_before = request_count(stack, route)
        job = run_job(stack, account["identifier"], tool, tool_input)
        assert job["status"] == "failed", (fault, job)
        assert job["error"]["code"] == "outcome_unknown"
        assert "duplicate" in job["error"]["message"]
        assert job["attempts"] == 1
        assert _outcomes(job) == ["outcome_unknown"]
        # One create reached HubSpot (a timed-out one a moment after the job gave up): no retry.
        assert _eventually_sent(stack, route, sent_before) == 1


def test_409_on_contact_create_reports_the_existing_contact(stack: Stack) -> None:
    """A duplicate email (no lost answer before): failed hubspot_error with existing_id."""
    account = connect_account(stack, "s7_409")
    email = f"{unique('dup')}@answers.example"
    first = run_job(stack, account["identifier"], "hubspot_contact_create", {"email": email})
    second = run_job(stack, account["identifier"], "hubspot_contact_create", {"email": email})
    assert first["status"] == "succeeded"
    assert second["status"] == "failed"
    assert second["error"]["code"] == "hubspot_error"
    assert second["error"]["existing_id"] == first["result"]["id"]
    assert second["error"]["hubspot"]["status"] == 409
    assert f"Existing ID: {first['result']['id']}" in second["error"]["message"]
    assert second["attempts"] == 1


def test_other_4xx_fails_with_hubspots_message(stack: Stack) -> None:
    """400: failed hubspot_error with HubSpot's message and correlation id, no retry."""
    job = _faulted_list(stack, "s7_400", status=400, count=1)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "hubspot_error"
    assert "Invalid input" in job["error"]["message"]
    assert job["error"]["hubspot"]["category"] == "VALIDATION_ERROR"
    assert job["error"]["hubspot"]["correlation_id"]
    assert job["attempts"] == 1


def test_401_twice_fails_unauthorized(stack: Stack) -> None:
    """401 on the call and on its one retry: failed hubspot_unauthorized."""
    job = _faulted_list(stack, "s7_401x", status=401, count=2)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "hubspot_unauthorized"
    assert job["attempts"] == 1


def test_401_once_refreshes_and_retries(stack: Stack) -> None:
    """One 401: one forced refresh, one retry, succeeded."""
    account = connect_account(stack, "s7_401")
    refreshes = stack.sandbox.control.stats()["refreshes"].get(str(account["hub_id"]), 0)
    stack.sandbox.control.add_fault(CONTACTS, method="GET", status=401, count=1)
    job = run_job(stack, account["identifier"], "hubspot_contacts_list", {})
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 1
    after = stack.sandbox.control.stats()["refreshes"].get(str(account["hub_id"]), 0)
    assert after - refreshes == 1


def test_401_with_refresh_rejected_revokes_the_account(stack: Stack) -> None:
    """Uninstalled app: the 401's refresh is rejected, account REVOKED, job account_revoked."""
    account = connect_account(stack, "s7_uninstalled")
    stack.sandbox.control.uninstall(account["hub_id"], stack.env["HUBSPOT_CLIENT_ID"])
    job = run_job(stack, account["identifier"], "hubspot_contacts_list", {})
    assert job["status"] == "failed"
    assert job["error"]["code"] == "account_revoked"
    assert job["error"]["reauth_link"]
    with stack.api as api:
        view = api.get(f"/v1/connected-accounts/hubspot/{account['identifier']}").json()
    assert view["connected_account"]["status"] == "REVOKED"
