"""The executor's branches with fakes at the edges: 401 -> refresh -> retry, 409 recovery,
throttling, oversized answers (DESIGN.md section 7)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from hubspot_client.errors import RefreshTokenRejected
from schemas.jobs import JobStatus
from worker.decisions import DecisionTable
from worker.errors import PortalBudgetExhausted
from worker.ratelimit import RateLimiter

from .executor_harness import ExecutorHarness, answer, build, error_body

CREATE = "hubspot_contact_create"
LIST = "hubspot_contacts_list"
UNAUTHORIZED = error_body("Authentication credentials not found.", "INVALID_AUTHENTICATION")
CONFLICT = error_body("Contact already exists. Existing ID: 77", "CONFLICT")
LISTED: dict[str, object] = {"results": [], "paging": None}


@pytest.fixture
def h(tmp_path: Path) -> ExecutorHarness:
    return build(tmp_path)


def _contact(created_at: datetime) -> dict[str, object]:
    stamp = created_at.isoformat().replace("+00:00", "Z")
    return {
        "id": "77",
        "properties": {"email": "a@b.co"},
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
    }


def test_a_401_refreshes_once_and_the_resend_succeeds(h: ExecutorHarness) -> None:
    """First 401: one forced refresh of version 1, one resend with the new token, succeeded."""
    h.hubspot.answers = [answer(401, UNAUTHORIZED), answer(200, LISTED)]
    job_id = h.submit(LIST, {"limit": 1})
    job = h.run(job_id)
    assert job.status is JobStatus.SUCCEEDED
    assert h.refresher.calls == [(h.account_id, 1)]
    assert [bearer for _, _, bearer in h.hubspot.seen] == ["stale", "fresh"]
    assert [e["outcome"] for e in job.history] == ["succeeded"]


def test_a_rejected_refresh_fails_account_revoked(h: ExecutorHarness) -> None:
    """401, then HubSpot rejects the refresh token: account_revoked with a link, no resend."""
    h.hubspot.answers = [answer(401, UNAUTHORIZED)]
    h.refresher.error = RefreshTokenRejected("bad refresh token", status_code=400)
    job_id = h.submit(LIST, {"limit": 1})
    job = h.run(job_id)
    assert job.status is JobStatus.FAILED
    assert job.error is not None
    assert job.error["code"] == "account_revoked"
    assert job.error["reauth_link"] == f"https://link.test/{h.account_id}"
    assert len(h.hubspot.seen) == 1


def test_a_second_401_fails_hubspot_unauthorized(h: ExecutorHarness) -> None:
    """401 after the refresh too: hubspot_unauthorized, exactly one refresh and two calls."""
    h.hubspot.answers = [answer(401, UNAUTHORIZED), answer(401, UNAUTHORIZED)]
    job_id = h.submit(LIST, {"limit": 1})
    job = h.run(job_id)
    assert job.status is JobStatus.FAILED
    assert job.error is not None
    assert job.error["code"] == "hubspot_unauthorized"
    assert len(h.refresher.calls) == 1
    assert len(h.hubspot.seen) == 2
    assert job.history[-1]["http_status"] == 401


def _lose_first_answer(h: ExecutorHarness) -> str:
    """A contact create whose first answer is lost (read timeout), queued again at once."""
    h.executor.table = DecisionTable(backoff_base_s=0.001, backoff_cap_s=0.001)
    job_id = h.submit(CREATE, {"email": "a@b.co"})
    h.hubspot.answers = [httpx.ReadTimeout]
    assert [e["outcome"] for e in h.run(job_id).history] == ["outcome_unknown"]
    time.sleep(0.01)
    assert [j.id for j in h.jobs.promote_due([job_id])] == [job_id]
    return job_id


def test_a_409_naming_the_contact_this_job_created_is_success(h: ExecutorHarness) -> None:
    """After an unknown outcome, a 409 whose contact was created during the job succeeds."""
    job_id = _lose_first_answer(h)
    h.hubspot.answers = [answer(409, CONFLICT), answer(200, _contact(datetime.now(UTC)))]
    job = h.run(job_id)
    assert job.status is JobStatus.SUCCEEDED
    assert job.result["id"] == "77"
    assert job.history[-1]["category"] == "RECOVERED_DUPLICATE"
    assert [(m, p) for m, p, _ in h.hubspot.seen] == [
        ("POST", "/crm/v3/objects/contacts"),
        ("POST", "/crm/v3/objects/contacts"),
        ("GET", "/crm/v3/objects/contacts/77"),
    ]


def test_a_409_naming_an_older_contact_stands(h: ExecutorHarness) -> None:
    """The contact existed before the job started: the 409 fails hubspot_error with its id."""
    job_id = _lose_first_answer(h)
    old = datetime.now(UTC) - timedelta(days=1)
    h.hubspot.answers = [answer(409, CONFLICT), answer(200, _contact(old))]
    job = h.run(job_id)
    assert job.status is JobStatus.FAILED
    assert job.error is not None
    assert job.error["code"] == "hubspot_error"
    assert job.error["existing_id"] == "77"


def test_a_first_try_409_is_not_recovered(h: ExecutorHarness) -> None:
    """No earlier unknown outcome: the 409 fails at once and nothing is read back."""
    h.hubspot.answers = [answer(409, CONFLICT)]
    job_id = h.submit(CREATE, {"email": "a@b.co"})
    job = h.run(job_id)
    assert job.status is JobStatus.FAILED
    assert job.error is not None
    assert job.error["code"] == "hubspot_error"
    assert len(h.hubspot.seen) == 1


class FullBudget(RateLimiter):
    """A limiter whose portal budget is always full, with a slot booked 3 s ahead."""

    def acquire(self, *, hub_id: int, holder: str, search: bool) -> None:
        raise PortalBudgetExhausted("full", delay_s=3.0, hub_id=hub_id)


def test_a_full_budget_defers_the_job_without_calling_hubspot(tmp_path: Path) -> None:
    """Throttled: retrying ~3 s out in the job schedule, no attempt used, HubSpot untouched."""
    h = build(tmp_path)
    h.executor.calls.throttle.limiter = FullBudget(
        client=h.redis, burst_per_10s=100, search_per_s=4
    )
    job_id = h.submit(LIST, {"limit": 1})
    before = time.time()
    job = h.run(job_id)
    assert job.status is JobStatus.RETRYING
    assert job.attempts == 0
    assert job.rate_waits == 0
    assert [e["outcome"] for e in job.history] == ["throttled"]
    assert job.history[0]["delay_s"] == 3.0
    due = h.scheduled(job_id)
    assert due is not None
    assert before + 3.0 <= due <= time.time() + 3.0
    assert h.hubspot.seen == []


def test_a_claimed_jobs_tokens_are_read_in_the_claim_not_again(
    h: ExecutorHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim's transaction reads the account and the tokens: the call uses them, with no
    token read of its own (one transaction fewer on a waiting caller's path)."""
    vault = h.executor.calls.tokens.vault
    reads: list[bool] = []  # one per load: True when made inside another transaction
    original = vault.load

    def counting(account_id: str, conn: object = None) -> object:
        reads.append(conn is not None)
        return original(account_id, conn)  # type: ignore[arg-type]

    monkeypatch.setattr(vault, "load", counting)
    h.hubspot.answers = [answer(200, LISTED)]
    job = h.run(h.submit(LIST, {"limit": 1}))
    assert job.status is JobStatus.SUCCEEDED
    assert reads == [True]
    assert [bearer for _, _, bearer in h.hubspot.seen] == ["stale"]


def test_claimed_tokens_near_their_expiry_are_read_and_refreshed_again(
    h: ExecutorHarness,
) -> None:
    """Tokens read with the claim but within the margin of their expiry are not used: the
    call reads them again through the provider, which refreshes inline."""
    with h.db.write() as conn:
        h.executor.calls.tokens.vault.put(
            conn,
            account_id=h.account_id,
            access="about-to-expire",
            refresh="r",
            expires_at=datetime.now(UTC) + timedelta(seconds=5),
        )
    h.hubspot.answers = [answer(200, LISTED)]
    job = h.run(h.submit(LIST, {"limit": 1}))
    assert job.status is JobStatus.SUCCEEDED
    assert h.refresher.calls
    assert [bearer for _, _, bearer in h.hubspot.seen] == ["fresh"]
