"""The retry decision, made by exception type in this one place (DESIGN.md section 7).

An attempt ends in success or in an exception from the tree (``core.errors`` and its package
extensions). ``decide`` maps that to what happens to the job next: succeed, fail with a stable
code, or wait (backoff, rate-limit window) and run again. Waiting never blocks a worker thread:
the executor records the due time and the job waits in the schedule.

    outcome                                  decision
    AccountUnavailable, MissingScopes,       fail at once with the error's code (+ reauth link)
      HubSpotMissingScopes, RefreshTokenRejected
    CredentialsUnreadable                    fail credentials_unreadable
    PortalBudgetExhausted (our own limiter)  wait for the booked slot; no attempt used, not one
                                             of the 10 rate-limit waits, no deadline (it is our
                                             own queueing, not a failure)
    HubSpotRateLimited                       wait Retry-After or the window; no attempt used;
                                             fail hubspot_rate_limited after 10 waits / 10 min
    HubSpotOutcomeUnknown                    retry like unavailable if the tool allows it,
                                             else fail outcome_unknown (never a silent duplicate)
    HubSpotUnavailable, OAuthUnavailable     exponential backoff, full jitter, within attempts
                                             and the job deadline; then fail hubspot_unavailable
    HubSpotUnauthorized                      fail hubspot_unauthorized (the executor already
                                             refreshed and retried once)
    any other HubSpotError                   fail hubspot_error, HubSpot's message kept
    anything else                            fail internal_error (a bug: never hammer HubSpot)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from core.errors import AccountUnavailable, HubSpotActionsError, MissingScopes
from hubspot_client.errors import (
    HubSpotError,
    HubSpotMissingScopes,
    HubSpotOutcomeUnknown,
    HubSpotRateLimited,
    HubSpotUnavailable,
    OAuthUnavailable,
    RefreshTokenRejected,
)
from store.errors import CredentialsUnreadable
from worker.ratelimit import PortalBudgetExhausted

#: Attempts (HubSpot calls that failed transiently) before giving up.
DEFAULT_MAX_ATTEMPTS = 8
#: Backoff: first delay bound and the largest delay bound (full jitter picks below the bound).
DEFAULT_BACKOFF_BASE_S = 1.0
DEFAULT_BACKOFF_CAP_S = 300.0
#: Rate-limit waits do not use up attempts, but are bounded on their own.
DEFAULT_MAX_RATE_WAITS = 10
DEFAULT_RATE_WAIT_BUDGET = timedelta(minutes=10)
#: How long to wait for a HubSpot window when no Retry-After came, by policy name.
WINDOW_WAIT_S = {"SECONDLY": 1.0, "TEN_SECONDLY_ROLLING": 10.0, "DAILY": 3600.0}


@dataclass(frozen=True)
class Fail:
    error: dict[str, Any]
    needs_reauth_link: bool = False


class WaitKind(StrEnum):
    """Why a job waits; also the ``outcome`` its history entry records."""

    RETRY = "retry"  # a transient failure: uses an attempt
    RATE_LIMITED = "rate_limited"  # HubSpot answered 429: one of the bounded rate waits
    THROTTLED = "throttled"  # our own per-portal budget booked a later slot: free


@dataclass(frozen=True)
class Wait:
    """Run again after ``delay_s``."""

    delay_s: float
    kind: WaitKind

    @property
    def uses_attempt(self) -> bool:
        return self.kind is WaitKind.RETRY

    @property
    def is_rate_wait(self) -> bool:
        """Counts toward the bound on HubSpot rate-limit waits."""
        return self.kind is WaitKind.RATE_LIMITED


Decision = Fail | Wait


@dataclass(frozen=True)
class AttemptState:
    """What the policy needs to know of the job so far."""

    attempts: int  # failed transient attempts before this one
    rate_waits: int
    first_rate_wait_at: datetime | None
    deadline_at: datetime
    retry_unknown_outcome: bool


class RetryPolicy:
    def __init__(
        self,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff_base_s: float = DEFAULT_BACKOFF_BASE_S,
        backoff_cap_s: float = DEFAULT_BACKOFF_CAP_S,
        max_rate_waits: int = DEFAULT_MAX_RATE_WAITS,
        rate_wait_budget: timedelta = DEFAULT_RATE_WAIT_BUDGET,
        rng: random.Random | None = None,
    ) -> None:
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.max_rate_waits = max_rate_waits
        self.rate_wait_budget = rate_wait_budget
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography

    def decide(self, exc: BaseException, state: AttemptState, now: datetime) -> Decision:
        if isinstance(exc, PortalBudgetExhausted):
            return Wait(delay_s=exc.delay_s, kind=WaitKind.THROTTLED)
        if isinstance(exc, AccountUnavailable | MissingScopes | HubSpotMissingScopes):
            return Fail(_error(exc), needs_reauth_link=True)
        if isinstance(exc, RefreshTokenRejected | CredentialsUnreadable):
            # Unreadable tokens are repaired by authorizing again: give the user the link.
            return Fail(_error(exc), needs_reauth_link=True)
        if isinstance(exc, HubSpotRateLimited):
            return self._rate_limited(exc, state, now)
        if isinstance(exc, HubSpotOutcomeUnknown) and not state.retry_unknown_outcome:
            error = _error(exc)
            error["message"] = (
                "the request reached HubSpot but no answer came back; it may or may not have "
                "been applied, and retrying could create a duplicate. Check HubSpot before "
                "submitting again."
            )
            return Fail(error)
        if isinstance(exc, HubSpotUnavailable | OAuthUnavailable):
            return self._backoff(exc, state, now)
        if isinstance(exc, CredentialsUnreadable | HubSpotError | HubSpotActionsError):
            return Fail(_error(exc))
        return Fail(
            {
                "code": "internal_error",
                "message": f"unexpected {type(exc).__name__} while running the job",
                "retryable": False,
            }
        )

    def backoff_delay(self, attempts: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempts)]."""
        bound = min(self.backoff_cap_s, self.backoff_base_s * (2 ** min(attempts, 30)))
        return self.rng.uniform(0, bound)

    def _backoff(
        self, exc: HubSpotUnavailable | OAuthUnavailable, state: AttemptState, now: datetime
    ) -> Decision:
        attempts = state.attempts + 1
        delay = max(self.backoff_delay(attempts - 1), exc.retry_after or 0.0)
        if attempts >= self.max_attempts or now + timedelta(seconds=delay) > state.deadline_at:
            error = _error(exc)
            # A read or update that kept timing out is "unavailable", whatever the last try was.
            error["code"] = "hubspot_unavailable"
            error["message"] = f"{exc.message} (gave up after {attempts} attempts)"
            error["retryable"] = True
            return Fail(error)
        return Wait(delay_s=delay, kind=WaitKind.RETRY)

    def _rate_limited(
        self, exc: HubSpotRateLimited, state: AttemptState, now: datetime
    ) -> Decision:
        waited_since = state.first_rate_wait_at or now
        if (
            state.rate_waits >= self.max_rate_waits
            or now - waited_since >= self.rate_wait_budget
            or now >= state.deadline_at
        ):
            error = _error(exc)
            error["message"] = f"{exc.message} (still rate limited after {state.rate_waits} waits)"
            return Fail(error)
        delay = exc.retry_after
        if delay is None:
            delay = WINDOW_WAIT_S.get(exc.policy_name or "", 10.0)
        # A little jitter so a portal's backlog does not come back as one burst.
        jittered = delay + self.rng.uniform(0, min(1.0, delay / 10))
        return Wait(delay_s=jittered, kind=WaitKind.RATE_LIMITED)


def _error(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, HubSpotActionsError):
        body = exc.to_dict()
        body.setdefault("retryable", exc.retryable)
        return body
    return {"code": "internal_error", "message": type(exc).__name__, "retryable": False}
