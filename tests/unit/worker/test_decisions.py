"""The retry decision by exception type (DESIGN.md section 7), one row at a time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import AccountRevoked, MissingScopes
from hubspot_client.errors import (
    HubSpotConflict,
    HubSpotMissingScopes,
    HubSpotOutcomeUnknown,
    HubSpotRateLimited,
    HubSpotRequestError,
    HubSpotUnauthorized,
    HubSpotUnavailable,
    RefreshTokenRejected,
)
from store.errors import CredentialsUnreadable
from worker.decisions import AttemptState, DecisionTable, Fail, Wait

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def state(**kw: object) -> AttemptState:
    values: dict[str, object] = {
        "attempts": 0,
        "rate_waits": 0,
        "first_rate_wait_at": None,
        "deadline_at": NOW + timedelta(hours=1),
        "retry_unknown_outcome": True,
    }
    values.update(kw)
    return AttemptState(**values)  # type: ignore[arg-type]


@pytest.fixture
def policy() -> DecisionTable:
    return DecisionTable(rng=random.Random(7))


def test_rate_limit_waits_without_using_an_attempt(policy: DecisionTable) -> None:
    """A 429 waits for Retry-After (or the window) and does not count as an attempt."""
    with_header = policy.decide(HubSpotRateLimited("429", retry_after=3.0), state(), NOW)
    assert isinstance(with_header, Wait)
    assert not with_header.uses_attempt
    assert 3.0 <= with_header.delay_s <= 3.3
    window = policy.decide(
        HubSpotRateLimited("429", policy_name="TEN_SECONDLY_ROLLING"), state(), NOW
    )
    assert isinstance(window, Wait)
    assert 10.0 <= window.delay_s <= 11.0
    secondly = policy.decide(HubSpotRateLimited("429", policy_name="SECONDLY"), state(), NOW)
    assert isinstance(secondly, Wait)
    assert 1.0 <= secondly.delay_s <= 1.1


def test_rate_limit_gives_up_after_ten_waits_or_ten_minutes(policy: DecisionTable) -> None:
    """After 10 waits, or 10 minutes of waiting, the job fails hubspot_rate_limited."""
    exc = HubSpotRateLimited("429")
    tenth = policy.decide(exc, state(rate_waits=10, first_rate_wait_at=NOW), NOW)
    assert isinstance(tenth, Fail)
    assert tenth.error["code"] == "hubspot_rate_limited"
    late = policy.decide(
        exc, state(rate_waits=2, first_rate_wait_at=NOW - timedelta(minutes=10)), NOW
    )
    assert isinstance(late, Fail)


def test_unavailable_backs_off_with_full_jitter_then_gives_up(policy: DecisionTable) -> None:
    """5xx/timeouts retry with growing jittered delays, then fail hubspot_unavailable."""
    exc = HubSpotUnavailable("503", status_code=503)
    delays = []
    for attempts in range(5):
        decision = policy.decide(exc, state(attempts=attempts), NOW)
        assert isinstance(decision, Wait)
        assert decision.uses_attempt
        assert 0 <= decision.delay_s <= 2**attempts
        delays.append(decision.delay_s)
    # Full jitter: each delay is drawn uniformly below a doubling bound, in draw order.
    twin = random.Random(7)
    assert delays == [twin.uniform(0, 2**attempts) for attempts in range(5)]
    assert len(set(delays)) == 5
    final = policy.decide(exc, state(attempts=policy.max_attempts - 1), NOW)
    assert isinstance(final, Fail)
    assert final.error["code"] == "hubspot_unavailable"
    assert final.error["retryable"] is True


def test_backoff_respects_retry_after_and_the_deadline(policy: DecisionTable) -> None:
    """A Retry-After on a 5xx is a floor; a delay past the job deadline fails instead."""
    wait = policy.decide(HubSpotUnavailable("477", retry_after=30.0), state(), NOW)
    assert isinstance(wait, Wait)
    assert wait.delay_s >= 30.0
    near_deadline = state(deadline_at=NOW + timedelta(seconds=5))
    late = policy.decide(HubSpotUnavailable("477", retry_after=30.0), near_deadline, NOW)
    assert isinstance(late, Fail)


def test_unknown_outcome_depends_on_the_tool(policy: DecisionTable) -> None:
    """A create that must not duplicate fails outcome_unknown; idempotent calls retry."""
    exc = HubSpotOutcomeUnknown("read timeout")
    safe = policy.decide(exc, state(retry_unknown_outcome=True), NOW)
    assert isinstance(safe, Wait)
    unsafe = policy.decide(exc, state(retry_unknown_outcome=False), NOW)
    assert isinstance(unsafe, Fail)
    assert unsafe.error["code"] == "outcome_unknown"
    assert "duplicate" in unsafe.error["message"]


@pytest.mark.parametrize(
    ("exc", "code", "link"),
    [
        (AccountRevoked("revoked"), "account_revoked", True),
        (MissingScopes("no"), "missing_scopes", True),
        (HubSpotMissingScopes("no", status_code=403), "missing_scopes", True),
        (RefreshTokenRejected("bad", status_code=400), "account_revoked", True),
        (CredentialsUnreadable("bad"), "credentials_unreadable", True),
        (
            HubSpotRequestError("400", status_code=400, error_code="INVALID_OPTION"),
            "hubspot_error",
            False,
        ),
        (HubSpotConflict("409", status_code=409, existing_id="12"), "hubspot_error", False),
        (ValueError("bug"), "internal_error", False),
    ],
)
def test_failures_without_retry(
    policy: DecisionTable, exc: Exception, code: str, link: bool
) -> None:
    """Account, scope and credential problems fail without retry and ask for a fresh link;
    client errors and bugs fail at once too, with no link to offer."""
    decision = policy.decide(exc, state(), NOW)
    assert isinstance(decision, Fail)
    assert decision.error["code"] == code
    assert decision.needs_reauth_link is link


def test_a_second_401_fails_unauthorized(policy: DecisionTable) -> None:
    """A 401 after the forced refresh and resend fails hubspot_unauthorized, no link."""
    decision = policy.decide(
        HubSpotUnauthorized("401", status_code=401), state(refreshed=True), NOW
    )
    assert isinstance(decision, Fail)
    assert decision.error["code"] == "hubspot_unauthorized"
    assert not decision.needs_reauth_link
