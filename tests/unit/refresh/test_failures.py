"""Refresh failures: rejection revokes, transient trouble backs off, an operator problem never
revokes, and a lost answer is handled with rotation in mind."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hubspot_client.errors import OAuthRequestError, OAuthUnavailable, RefreshTokenRejected
from schemas.accounts import AccountStatus
from schemas.jobs import JobStatus
from tests.unit.refresh.harness import MARGIN_S, TTL_S, Harness
from worker.refresh import outcomes as refresh_outcomes
from worker.refresh.backoff import UNKNOWN_OUTCOME_HOLD_S
from worker.refresh.errors import RefreshDeferred


def _unavailable(*, unknown: bool = False) -> OAuthUnavailable:
    return OAuthUnavailable("token endpoint down", status_code=503, outcome_unknown=unknown)


def _status(h: Harness, acc: str) -> tuple[AccountStatus, str | None]:
    record = h.accounts.get_by_id(acc)
    assert record is not None
    return record.status, record.status_reason


def test_a_rejected_refresh_token_revokes_and_fails_ready_jobs(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REVOKED with the reason; queued/retrying jobs fail account_revoked with a link and their
    waiters hear of it; a run_at job waits for its time; the account leaves the schedule."""
    acc = h.connect("u1")
    queued = h.job(acc, "u1")
    later = h.job(acc, "u1", run_at=h.clock.now() + timedelta(hours=1))
    notified: list[str] = []
    monkeypatch.setattr(
        refresh_outcomes, "publish_job_done", lambda client, ids: notified.extend(ids)
    )
    h.endpoint.valid.clear()  # the app was uninstalled
    h.clock.advance(TTL_S - MARGIN_S)
    h.refresher.run_scheduled(acc, 1)

    status, reason = _status(h, acc)
    assert status is AccountStatus.REVOKED
    assert reason is not None
    assert "BAD_REFRESH_TOKEN" in reason
    assert h.due(acc) is None
    failed = h.jobs.get(queued)
    assert failed is not None
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert failed.error["code"] == "account_revoked"
    assert failed.error["retryable"] is False
    assert failed.error["reauth_link"].startswith("https://app.hubspot.test/oauth/authorize")
    assert failed.history == []  # it never ran, so it never called HubSpot
    waiting = h.jobs.get(later)
    assert waiting is not None
    assert waiting.status is JobStatus.SCHEDULED
    assert notified == [queued]
    assert h.counts() == {"hubspot_actions_token_refreshes|outcome=revoked,trigger=scheduled": 1}


def test_an_inline_rejection_raises_for_the_job_and_revokes_once(h: Harness) -> None:
    """The job that met the rejection gets it raised (it fails account_revoked itself)."""
    acc = h.connect("u1")
    h.endpoint.valid.clear()
    with pytest.raises(RefreshTokenRejected):
        h.refresher.refresh_now(acc, stale_version=1)
    assert _status(h, acc)[0] is AccountStatus.REVOKED
    assert len(h.endpoint.sent) == 1


def test_a_rejection_of_a_replaced_version_does_not_revoke(h: Harness) -> None:
    """A new authorization landed while the old refresh token was rejected: it stays ACTIVE."""
    acc = h.connect("u1")
    old = h.vault.load(acc)
    assert old is not None
    h.connect("u1")  # the user authorized again: version 2
    rejected = RefreshTokenRejected("bad", status_code=400, oauth_status="BAD_REFRESH_TOKEN")
    assert h.refresher.outcomes.revoked(old, rejected, trigger="scheduled") is False
    assert _status(h, acc)[0] is AccountStatus.ACTIVE


def test_transient_failures_back_off_then_expire_then_recover(h: Harness) -> None:
    """503s reschedule sooner than the regular due time; past expiry the account is EXPIRED and
    stays scheduled; the next success makes it ACTIVE and clears the backoff."""
    acc = h.connect("u1")
    h.endpoint.script = [_unavailable(), _unavailable()]
    h.clock.advance(TTL_S - MARGIN_S)
    h.refresher.run_scheduled(acc, 1)
    due = h.due(acc)
    assert due is not None
    assert h.clock.time() < due <= h.clock.time() + 60
    assert _status(h, acc)[0] is AccountStatus.ACTIVE

    h.clock.advance(MARGIN_S + 1)  # past expiry
    h.refresher.run_scheduled(acc, 1)
    status, reason = _status(h, acc)
    assert status is AccountStatus.EXPIRED
    assert reason is not None
    assert "hubspot_unavailable" in reason
    assert h.due(acc) is not None

    h.clock.advance(61)
    h.refresher.run_scheduled(acc, 1)
    assert _status(h, acc) == (AccountStatus.ACTIVE, None)
    assert h.version(acc) == 2
    assert h.backoff.hold_until(acc) is None
    assert h.counts()["hubspot_actions_token_refreshes|outcome=failed,trigger=scheduled"] == 2


def test_after_a_failure_inline_callers_hold_off_until_the_retry(h: Harness) -> None:
    """One failed inline refresh: the next caller is deferred without calling HubSpot."""
    acc = h.connect("u1")
    h.endpoint.script = [_unavailable()]
    with pytest.raises(OAuthUnavailable):
        h.refresher.refresh_now(acc, stale_version=1)
    with pytest.raises(RefreshDeferred) as caught:
        h.refresher.refresh_now(acc, stale_version=1)
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 0
    assert len(h.endpoint.sent) == 1
    hold = h.backoff.hold_until(acc)
    assert hold is not None
    h.clock.advance(hold - h.clock.time() + 0.01)
    assert h.refresher.refresh_now(acc, stale_version=1).version == 2


def test_an_operator_problem_never_revokes(h: Harness) -> None:
    """Bad client credentials: the account stays ACTIVE and is retried later."""
    acc = h.connect("u1")
    h.endpoint.script = [OAuthRequestError("bad client id", status_code=400)]
    h.clock.advance(TTL_S - MARGIN_S)
    h.refresher.run_scheduled(acc, 1)
    assert _status(h, acc)[0] is AccountStatus.ACTIVE
    assert h.due(acc) is not None
    assert h.version(acc) == 1


def test_a_lost_answer_holds_off_and_a_later_rejection_says_why(h: Harness) -> None:
    """Rotation on, the refresh applied at HubSpot but its answer lost: nobody refreshes again
    for the hold; the old refresh token is then rejected, and the reason names the lost answer."""
    h.endpoint.rotate = True
    acc = h.connect("u1")
    h.endpoint.script = [("applied_then", _unavailable(unknown=True))]
    h.clock.advance(TTL_S - MARGIN_S)
    h.refresher.run_scheduled(acc, 1)
    due = h.due(acc)
    assert due is not None
    assert due >= h.clock.time() + UNKNOWN_OUTCOME_HOLD_S
    h.clock.advance(UNKNOWN_OUTCOME_HOLD_S / 2)
    with pytest.raises(RefreshDeferred):
        h.refresher.refresh_now(acc, stale_version=1)
    assert len(h.endpoint.sent) == 1

    h.clock.advance(UNKNOWN_OUTCOME_HOLD_S)
    h.refresher.run_scheduled(acc, 1)
    status, reason = _status(h, acc)
    assert status is AccountStatus.REVOKED
    assert reason is not None
    assert "answer never came back" in reason
    assert h.endpoint.sent == [h.endpoint.sent[0]] * 2  # the same (rotated-away) token twice


def test_a_lost_answer_without_rotation_recovers(h: Harness) -> None:
    """Without rotation the same refresh token still works after the hold."""
    acc = h.connect("u1")
    h.endpoint.script = [("applied_then", _unavailable(unknown=True))]
    h.clock.advance(TTL_S - MARGIN_S)
    h.refresher.run_scheduled(acc, 1)
    h.clock.advance(UNKNOWN_OUTCOME_HOLD_S + 1)
    h.refresher.run_scheduled(acc, 1)
    assert h.version(acc) == 2
    assert _status(h, acc)[0] is AccountStatus.ACTIVE
