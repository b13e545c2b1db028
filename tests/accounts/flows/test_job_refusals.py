"""Jobs for accounts that cannot run: refused at submit, or failed when they start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from schemas.accounts import AccountStatus
from tests.support.accounts_stack import AccountsStack, Flow, unique

CONTACT = ("hubspot_contact_create", {"email": "refusal@example.com"})


def _make(acc: AccountsStack, status: str) -> tuple[str, int | None]:
    """An account in ``status``: (identifier, hub id it was connected to, if any)."""
    identifier = unique(f"refuse_{status.lower()}")
    if status == "PENDING":
        with acc.api() as api:
            api.post(
                "/v1/connected-accounts",
                json={"connection_name": "hubspot", "identifier": identifier},
            )
        return identifier, None
    hub_id = int(acc.connect(identifier)["hub_id"])
    if status == "REVOKED":
        acc.set_status(identifier, AccountStatus.REVOKED)
    else:
        with acc.api() as api:
            assert api.delete(f"/v1/connected-accounts/hubspot/{identifier}").status_code == 200
    return identifier, hub_id


@pytest.mark.parametrize("status", ["PENDING", "REVOKED", "DISCONNECTED"])
def test_submit_is_refused_with_the_accounts_code_and_a_fresh_link(
    acc: AccountsStack, status: str
) -> None:
    """409 account_<status> with a new working re-authorization link on every refusal."""
    identifier, _ = _make(acc, status)
    refusals = [acc.stack.submit(identifier, *CONTACT) for _ in range(2)]
    for response in refusals:
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == f"account_{status.lower()}"
    links = [r.json()["error"]["reauth_link"] for r in refusals]
    states = [dict(parse_qsl(urlsplit(link).query))["state"] for link in links]
    assert states[0] != states[1]
    assert all(link.startswith(acc.env["HUBSPOT_AUTHORIZE_URL"] + "?") for link in links)
    # The link is a real one: following it brings the account back.
    flow = Flow(acc, identifier, links[1])
    assert flow.callback(flow.consent()).status_code == 200
    assert acc.stack.submit(identifier, *CONTACT).status_code == 202


@pytest.mark.parametrize("status", ["REVOKED", "DISCONNECTED"])
def test_job_fails_with_the_accounts_code_if_it_changes_before_the_job_starts(
    acc: AccountsStack, status: str
) -> None:
    """A run_at job whose account is revoked/disconnected meanwhile fails with that code, with
    a link, and without calling HubSpot."""
    identifier = unique(f"later_{status.lower()}")
    account = acc.connect(identifier)
    run_at = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    submitted = acc.stack.submit(identifier, *CONTACT, run_at=run_at)
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()["job"]
    assert job["status"] == "scheduled"
    if status == "REVOKED":
        acc.set_status(identifier, AccountStatus.REVOKED)
    else:
        with acc.api() as api:
            assert api.delete(f"/v1/connected-accounts/hubspot/{identifier}").status_code == 200
    done = acc.stack.wait(job["id"], timeout=20)
    assert done["status"] == "failed", done
    assert done["error"]["code"] == f"account_{status.lower()}"
    assert done["error"]["reauth_link"].startswith(acc.env["HUBSPOT_AUTHORIZE_URL"] + "?")
    crm_calls = acc.stack.sandbox.control.stats()["crm_object_requests"]
    assert crm_calls.get(str(account["hub_id"]), 0) == 0
