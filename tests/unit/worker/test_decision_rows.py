"""One test per row of the decision table (``worker.decisions``), job and refresh paths alike."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from dramatiq.middleware import TimeLimitExceeded

from core.errors import AccountNotFound, AccountPending, MissingScopes
from hubspot_client.errors import (
    HubSpotConflict,
    HubSpotMissingScopes,
    HubSpotOutcomeUnknown,
    HubSpotRateLimited,
    HubSpotRequestError,
    HubSpotUnauthorized,
    HubSpotUnavailable,
    OAuthRequestError,
    OAuthUnavailable,
    RefreshTokenRejected,
)
from schemas.jobs import HistoryOutcome, JobStatus, Lane
from store.errors import CredentialsUnreadable
from store.jobs import JobRecord
from worker.decisions import (
    AttemptState,
    DecisionTable,
    Fail,
    LeaseLapses,
    RecoverDuplicate,
    RefreshAndRetry,
    RefreshVerdict,
    Wait,
    WaitKind,
    refresh_verdict,
)
from worker.errors import PortalBudgetExhausted, ResultTooLarge
from worker.refresh.errors import RefreshDeferred

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
BASE = AttemptState(
    attempts=0,
    rate_waits=0,
    first_rate_wait_at=None,
    deadline_at=NOW + timedelta(hours=1),
    retry_unknown_outcome=True,
)


@pytest.fixture
def table() -> DecisionTable:
    return DecisionTable(rng=random.Random(3))


def job(**kw: object) -> JobRecord:
    values: dict[str, object] = {
        "id": "job_1",
        "account_id": "acc_1",
        "connection_name": "hubspot",
        "identifier": "u1",
        "tool_name": "hubspot_contact_create",
        "lane": Lane.INTERACTIVE,
        "status": JobStatus.RUNNING,
        "attempts": 0,
        "rate_waits": 0,
        "history": [],
        "input": {},
        "input_hash": "h",
        "result": None,
        "error": None,
        "idempotency_key": None,
        "created_at": NOW,
        "updated_at": NOW,
        "started_at": NOW,
        "finished_at": None,
        "run_at": None,
        "due_at": None,
        "deadline_at": NOW + timedelta(hours=1),
        "lease_owner": "w1",
        "lease_expires_at": NOW,
    }
    values.update(kw)
    return JobRecord(**values)  # type: ignore[arg-type]


def test_row_portal_budget_is_a_free_wait(table: DecisionTable) -> None:
    """Our own budget full: wait the booked delay, THROTTLED, no attempt, not a rate wait."""
    decision = table.decide(PortalBudgetExhausted("full", delay_s=2.5, hub_id=1), BASE, NOW)
    assert decision == Wait(delay_s=2.5, kind=WaitKind.THROTTLED)
    assert not decision.uses_attempt
    assert not decision.is_rate_wait


def test_row_attempt_timeout_reads_like_a_hubspot_timeout(table: DecisionTable) -> None:
    """TimeLimitExceeded: a read retries as outcome_unknown; a create fails outcome_unknown."""
    read = table.decide(TimeLimitExceeded(), BASE, NOW)
    assert isinstance(read, Wait)
    assert read.kind is WaitKind.OUTCOME_UNKNOWN
    assert read.uses_attempt
    create = table.decide(TimeLimitExceeded(), replace(BASE, retry_unknown_outcome=False), NOW)
    assert isinstance(create, Fail)
    assert create.error["code"] == "outcome_unknown"
    assert create.error["retryable"] is True


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (AccountPending("pending"), "account_pending"),
        (MissingScopes("no"), "missing_scopes"),
        (HubSpotMissingScopes("no", status_code=403), "missing_scopes"),
        (RefreshTokenRejected("bad", status_code=400), "account_revoked"),
        (CredentialsUnreadable("bad"), "credentials_unreadable"),
    ],
)
def test_rows_the_user_repairs_fail_with_a_link(
    table: DecisionTable, exc: Exception, code: str
) -> None:
    """Account, scope and credential problems fail at once and ask for a re-authorization."""
    decision = table.decide(exc, BASE, NOW)
    assert isinstance(decision, Fail)
    assert decision.error["code"] == code
    assert decision.needs_reauth_link


def test_row_first_401_refreshes_and_retries(table: DecisionTable) -> None:
    """A first 401 asks for one forced refresh and one resend; after it, the 401 fails."""
    exc = HubSpotUnauthorized("401", status_code=401)
    assert table.decide(exc, BASE, NOW) == RefreshAndRetry()
    again = table.decide(exc, replace(BASE, refreshed=True), NOW)
    assert isinstance(again, Fail)
    assert again.error["code"] == "hubspot_unauthorized"


def test_row_409_recovers_only_a_contact_create_after_an_unknown_outcome(
    table: DecisionTable,
) -> None:
    """RecoverDuplicate only for a create that may have landed, naming an id, tried once."""
    exc = HubSpotConflict("409", status_code=409, existing_id="77")
    ours = replace(BASE, recovers_duplicates=True, earlier_unknown=True)
    assert table.decide(exc, ours, NOW) == RecoverDuplicate()
    for state in (
        replace(ours, earlier_unknown=False),
        replace(ours, recovers_duplicates=False),
        replace(ours, recovering=True),
    ):
        decision = table.decide(exc, state, NOW)
        assert isinstance(decision, Fail)
        assert decision.error["code"] == "hubspot_error"
        assert decision.error["existing_id"] == "77"
    no_id = table.decide(HubSpotConflict("409", status_code=409), ours, NOW)
    assert isinstance(no_id, Fail)


def test_row_429_is_a_rate_wait(table: DecisionTable) -> None:
    """A 429 waits RATE_LIMITED (Retry-After plus at most 10% jitter), no attempt used."""
    decision = table.decide(HubSpotRateLimited("429", retry_after=5.0), BASE, NOW)
    assert isinstance(decision, Wait)
    assert decision.kind is WaitKind.RATE_LIMITED
    assert decision.is_rate_wait
    assert not decision.uses_attempt
    assert 5.0 <= decision.delay_s <= 5.5


def test_row_outcome_unknown_history_says_so(table: DecisionTable) -> None:
    """A retried unknown outcome is recorded as outcome_unknown, not as a plain retry."""
    decision = table.decide(HubSpotOutcomeUnknown("read timeout"), BASE, NOW)
    assert isinstance(decision, Wait)
    assert decision.kind.outcome is HistoryOutcome.OUTCOME_UNKNOWN


@pytest.mark.parametrize(
    "exc",
    [
        HubSpotUnavailable("503", status_code=503),
        OAuthUnavailable("token endpoint 503", status_code=503),
        RefreshDeferred("busy", retry_after=5.0),
    ],
)
def test_row_unavailable_backs_off(table: DecisionTable, exc: Exception) -> None:
    """5xx, a token endpoint outage and a deferred refresh all retry, using an attempt."""
    decision = table.decide(exc, BASE, NOW)
    assert isinstance(decision, Wait)
    assert decision.kind is WaitKind.RETRY
    assert decision.uses_attempt


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (OAuthRequestError("bad client id", status_code=400), "oauth_error"),
        (ResultTooLarge("too big"), "result_too_large"),
        (HubSpotRequestError("400", status_code=400), "hubspot_error"),
        (AccountNotFound("gone"), "account_not_found"),
    ],
)
def test_rows_that_fail_with_their_code(table: DecisionTable, exc: Exception, code: str) -> None:
    """Operator problems, oversized answers and other errors fail at once, not retryable."""
    decision = table.decide(exc, BASE, NOW)
    assert isinstance(decision, Fail)
    assert decision.error["code"] == code
    assert decision.error["retryable"] is False
    assert not decision.internal


def test_row_anything_else_is_an_internal_error(table: DecisionTable) -> None:
    """An exception outside the tree is a bug: internal_error, flagged for its traceback."""
    decision = table.decide(KeyError("x"), BASE, NOW)
    assert isinstance(decision, Fail)
    assert decision.error["code"] == "internal_error"
    assert decision.internal


def test_state_reads_unknown_outcomes_and_rate_waits_from_history() -> None:
    """AttemptState sees a lapsed lease as an unknown outcome and finds the first 429 wait."""
    history = [
        {"at": NOW.isoformat(), "outcome": "rate_limited"},
        {"at": (NOW + timedelta(seconds=9)).isoformat(), "outcome": "lease_lapsed"},
    ]
    state = AttemptState.of(
        job(history=history), retry_unknown_outcome=True, recovers_duplicates=True
    )
    assert state.earlier_unknown is True
    assert state.first_rate_wait_at == NOW
    fresh = AttemptState.of(job(), retry_unknown_outcome=True, recovers_duplicates=True)
    assert fresh.earlier_unknown is False
    assert fresh.first_rate_wait_at is None


def test_lease_lapses_requeue_until_the_cap_then_fail_worker_lost() -> None:
    """Lapses 1 and 2 re-queue; the third (JOB_MAX_LEASE_LAPSES=3) fails worker_lost."""
    verdict = LeaseLapses(max_lapses=3)
    assert verdict(job(lease_lapses=0)) is None
    assert verdict(job(lease_lapses=1)) is None
    error = verdict(job(lease_lapses=2))
    assert error is not None
    assert error["code"] == "worker_lost"
    assert error["retryable"] is False
    assert error["lease_lapses"] == 3


@pytest.mark.parametrize(
    ("exc", "verdict"),
    [
        (RefreshDeferred("busy", retry_after=1.0), RefreshVerdict.DEFER),
        (RefreshTokenRejected("bad", status_code=400), RefreshVerdict.REVOKE),
        (AccountPending("pending"), RefreshVerdict.UNSCHEDULE),
        (AccountNotFound("gone"), RefreshVerdict.UNSCHEDULE),
        (OAuthUnavailable("503", status_code=503), RefreshVerdict.BACK_OFF),
        (OAuthRequestError("bad client id", status_code=400), RefreshVerdict.HOLD),
        (CredentialsUnreadable("bad"), RefreshVerdict.HOLD),
        (RuntimeError("bug"), RefreshVerdict.CRASH),
    ],
)
def test_refresh_rows(exc: Exception, verdict: RefreshVerdict) -> None:
    """Each exception a refresh can raise has exactly one verdict."""
    assert refresh_verdict(exc) is verdict


@pytest.mark.parametrize(
    "exc",
    [
        RefreshDeferred("busy", retry_after=1.0),
        RefreshTokenRejected("bad", status_code=400),
        AccountPending("pending"),
        OAuthUnavailable("503", status_code=503),
        OAuthRequestError("bad client id", status_code=400),
        CredentialsUnreadable("bad"),
    ],
)
def test_an_exception_means_the_same_on_both_paths(table: DecisionTable, exc: Exception) -> None:
    """What a job waits out the refresher retries; what fails a job at once it does not."""
    job_retries = isinstance(table.decide(exc, BASE, NOW), Wait)
    refresh_retries = refresh_verdict(exc) in (RefreshVerdict.DEFER, RefreshVerdict.BACK_OFF)
    assert job_retries is refresh_retries


def test_oauth_request_error_is_never_retried_on_either_path(table: DecisionTable) -> None:
    """Bad app credentials: the job fails oauth_error, the refresh is held (not backed off)."""
    exc = OAuthRequestError("bad client id", status_code=400)
    decision = table.decide(exc, BASE, NOW)
    assert isinstance(decision, Fail)
    assert decision.error["code"] == "oauth_error"
    assert refresh_verdict(exc) is RefreshVerdict.HOLD
