"""The account is checked again when a job starts (DESIGN.md section 7, first two rows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from schemas.accounts import AccountStatus
from store.accounts import AccountStore
from store.models import accounts
from tests.support.stack import Stack
from tests.support.tools_stack import (
    connect_account,
    crm_calls,
    database,
    submit_ok,
    worker_stopped,
)

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_revoked_accounts_queued_jobs_make_no_crm_call(stack: Stack) -> None:
    """Jobs queued for an account that is REVOKED before they start fail account_revoked with a
    fresh link, and the sandbox sees no CRM call for that portal."""
    account = connect_account(stack, "revoked_queue")
    calls_before = crm_calls(stack, account["hub_id"])
    with worker_stopped(stack):
        job_ids = [
            submit_ok(stack, account["identifier"], "hubspot_contacts_list", {}) for _ in range(3)
        ]
        with database(stack) as db, db.write() as conn:
            AccountStore(db=db).set_status(
                conn,
                account_id=account["id"],
                status=AccountStatus.REVOKED,
                reason="refresh token rejected (test)",
            )
    for job_id in job_ids:
        job = stack.wait(job_id, timeout=30)
        assert job["status"] == "failed", job
        assert job["error"]["code"] == "account_revoked"
        assert job["error"]["reauth_link"].startswith(stack.sandbox.base_url)
        assert job["attempts"] == 1
    assert crm_calls(stack, account["hub_id"]) == calls_before


def test_scope_lost_before_the_job_starts_fails_missing_scopes(stack: Stack) -> None:
    """A grant that no longer has the tool's scope when the job starts: failed missing_scopes
    with a link, no CRM call."""
    account = connect_account(stack, "scope_lost")
    run_at = (datetime.now(UTC) + timedelta(seconds=1.5)).isoformat()
    job_id = submit_ok(
        stack, account["identifier"], "hubspot_contact_create", {"email": "a@b.co"}, run_at=run_at
    )
    kept = [s for s in account["granted_scopes"] if s != "crm.objects.contacts.write"]
    with database(stack) as db, db.write() as conn:
        conn.execute(
            update(accounts).where(accounts.c.id == account["id"]).values(granted_scopes=kept)
        )
    job = stack.wait(job_id, timeout=30)
    assert job["status"] == "failed", job
    assert job["error"]["code"] == "missing_scopes"
    assert job["error"]["missing_scopes"] == ["crm.objects.contacts.write"]
    assert job["error"]["reauth_link"]
    assert crm_calls(stack, account["hub_id"]) == 0
