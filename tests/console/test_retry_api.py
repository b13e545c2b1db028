"""``POST /v1/jobs/{id}/retry`` through the HTTP API with real workers (DESIGN.md section 16)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from schemas.accounts import AccountStatus
from store.accounts import AccountStore
from store.models import jobs
from tests.support.stack import Stack
from tests.support.tools_stack import connect_account, database, submit_ok, unique

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.usefixtures("clear_faults")]

CONTACTS = "/crm/v3/objects/contacts"


def failed_create(stack: Stack, identifier: str, email: str) -> dict[str, object]:
    """A bulk contact create that fails on a one-off 400 from the sandbox: the failed job."""
    stack.sandbox.control.add_fault(CONTACTS, method="POST", status=400, count=1)
    job_id = submit_ok(stack, identifier, "hubspot_contact_create", {"email": email}, lane="bulk")
    job = stack.wait(job_id, timeout=30)
    assert job["status"] == "failed", job
    return job


def jobs_of(stack: Stack, identifier: str) -> int:
    with database(stack) as db, db.read() as conn:
        query = select(func.count()).select_from(jobs).where(jobs.c.identifier == identifier)
        return int(conn.execute(query).scalar_one())


def test_retry_resubmits_a_failed_job_as_a_new_job(stack: Stack) -> None:
    """A failed job retried: 202 with a new job of the same identifier, tool, input and lane,
    which succeeds; the failed job keeps its status and error."""
    account = connect_account(stack, "retry_ok")
    email = f"{unique('retry')}@example.com"
    old = failed_create(stack, account["identifier"], email)
    with stack.api as api:
        response = api.post(f"/v1/jobs/{old['id']}/retry")
    assert response.status_code == 202, response.text
    new = response.json()["job"]
    assert new["id"] != old["id"]
    assert new["status"] == "queued"
    assert new["attempts"] == 0
    for name in ("identifier", "connection_name", "tool_name", "lane"):
        assert new[name] == old[name], name
    assert new["lane"] == "bulk"
    done = stack.wait(new["id"], timeout=30)
    assert done["status"] == "succeeded", done
    assert done["result"]["properties"]["email"] == email
    again = stack.wait(str(old["id"]), timeout=0)
    assert again["status"] == "failed"
    assert again["error"] == old["error"]


def test_retry_refuses_jobs_that_did_not_fail_and_unknown_ids(stack: Stack) -> None:
    """Retrying a succeeded job answers 409 job_conflict; an unknown id 404 job_not_found."""
    account = connect_account(stack, "retry_conflict")
    job_id = submit_ok(stack, account["identifier"], "hubspot_contacts_list", {})
    assert stack.wait(job_id, timeout=30)["status"] == "succeeded"
    with stack.api as api:
        conflict = api.post(f"/v1/jobs/{job_id}/retry")
        missing = api.post("/v1/jobs/job_does_not_exist/retry")
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "job_conflict"
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "job_not_found"


def test_retry_applies_the_account_checks_of_a_submission(stack: Stack) -> None:
    """A failed job of an account revoked since: 409 account_revoked with a fresh reauth link,
    and no new job is stored."""
    account = connect_account(stack, "retry_revoked")
    old = failed_create(stack, account["identifier"], f"{unique('rev')}@example.com")
    with database(stack) as db, db.write() as conn:
        AccountStore(db=db).set_status(
            conn, account_id=account["id"], status=AccountStatus.REVOKED, reason="test"
        )
    before = jobs_of(stack, account["identifier"])
    with stack.api as api:
        response = api.post(f"/v1/jobs/{old['id']}/retry")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "account_revoked"
    assert error["reauth_link"].startswith(stack.sandbox.base_url)
    assert jobs_of(stack, account["identifier"]) == before == 1
