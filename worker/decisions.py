"""The decision table: what every way a job attempt or a refresh can end means, by exception type.

One module decides (DESIGN.md sections 7 and 8); the executor and the refresher only carry the
decisions out. An attempt ends in a HubSpot answer or an exception of the tree (``core.errors``
and its packages' ``errors.py``); ``DecisionTable.decide`` maps the exception to the job's next
step. Rows are tried in order, the first whose type matches wins (subclasses above their bases):

    exception                                decision (job)
    PortalBudgetExhausted (our own limiter)  Wait THROTTLED: no attempt used, not one of the 10
                                             rate-limit waits, no deadline (our own queueing)
    TimeLimitExceeded (JOB_ATTEMPT_TIMEOUT)  as HubSpotOutcomeUnknown: the call may have landed
    AccountUnavailable, MissingScopes,       Fail with the error's code and a re-authorization
      HubSpotMissingScopes                   link
    RefreshTokenRejected,                    Fail (account_revoked / credentials_unreadable) with
      CredentialsUnreadable                  a link: authorizing again repairs both
    HubSpotUnauthorized                      first time RefreshAndRetry (one forced refresh, one
                                             resend); after it Fail hubspot_unauthorized
    HubSpotConflict                          contact create after an unknown outcome, first time:
                                             RecoverDuplicate; otherwise Fail hubspot_error
    HubSpotRateLimited                       Wait RATE_LIMITED per Retry-After or the window; no
                                             attempt used; Fail after 10 waits / 10 minutes
    HubSpotOutcomeUnknown                    Wait OUTCOME_UNKNOWN if the tool may retry, else
                                             Fail outcome_unknown (never a silent duplicate)
    HubSpotUnavailable, OAuthUnavailable     Wait RETRY: exponential backoff, full jitter, within
      (RefreshDeferred included)             attempts and the deadline; then hubspot_unavailable
    OAuthRequestError                        Fail oauth_error: an operator problem, no retry
    ResultTooLarge, any other project error  Fail with its code
    anything else                            Fail internal_error (a bug: never hammer HubSpot)

A refresh (``refresh_verdict``) reads the same exceptions the same way: what fails a job at once
is not retried on the refresh backoff either (``RefreshVerdict.HOLD``: an operator or credential
problem, looked at again much later), what a job waits out the refresher backs off from.

A lapsed lease (the worker died mid-attempt) is decided here too (``LeaseLapses``): the sweep
re-queues the job until it has lapsed ``JOB_MAX_LEASE_LAPSES`` times, then fails it
``worker_lost``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from dramatiq.middleware import TimeLimitExceeded

from core.errors import (
    AccountNotFound,
    AccountUnavailable,
    HubSpotActionsError,
    MissingScopes,
)
from hubspot_client.errors import (
    HubSpotConflict,
    HubSpotError,
    HubSpotMissingScopes,
    HubSpotOutcomeUnknown,
    HubSpotRateLimited,
    HubSpotUnauthorized,
    HubSpotUnavailable,
    OAuthRequestError,
    OAuthUnavailable,
    RefreshTokenRejected,
)
from schemas.jobs import UNKNOWN_OUTCOMES, HistoryOutcome
from store.errors import CredentialsUnreadable
from store.jobs import JobRecord
from worker.errors import PortalBudgetExhausted, WorkerLost
from worker.refresh.errors import RefreshDeferred

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
#: Lapsed leases (dead workers) a job survives before it fails ``worker_lost``.
DEFAULT_MAX_LEASE_LAPSES = 3

UNKNOWN_OUTCOME_MESSAGE = (
    "the request reached HubSpot but no answer came back; it may or may not have been applied, "
    "and retrying could create a duplicate. Check HubSpot before submitting again."
)


class WaitKind(StrEnum):
    """Why a job waits; its value is also the ``outcome`` the history entry records."""

    RETRY = HistoryOutcome.RETRY.value
    OUTCOME_UNKNOWN = HistoryOutcome.OUTCOME_UNKNOWN.value
    RATE_LIMITED = HistoryOutcome.RATE_LIMITED.value
    THROTTLED = HistoryOutcome.THROTTLED.value

    @property
    def outcome(self) -> HistoryOutcome:
        return HistoryOutcome(self.value)


@dataclass(frozen=True)
class Fail:
    """End the job ``failed`` with ``error``; ``internal``: a bug, its traceback worth logging."""

    error: dict[str, Any]
    needs_reauth_link: bool = False
    internal: bool = False


@dataclass(frozen=True)
class Wait:
    """Run again after ``delay_s`` (through the job schedule: no thread is held)."""

    delay_s: float
    kind: WaitKind

    @property
    def uses_attempt(self) -> bool:
        return self.kind in (WaitKind.RETRY, WaitKind.OUTCOME_UNKNOWN)

    @property
    def is_rate_wait(self) -> bool:
        """Counts toward the bound on HubSpot rate-limit waits."""
        return self.kind is WaitKind.RATE_LIMITED


@dataclass(frozen=True)
class RefreshAndRetry:
    """A first 401: HubSpot says it is no proof of expiry; force one refresh, resend once."""


@dataclass(frozen=True)
class RecoverDuplicate:
    """A contact create's 409 after an unknown outcome: the contact may be this job's own."""


Decision = Fail | Wait | RefreshAndRetry | RecoverDuplicate


@dataclass(frozen=True)
class AttemptState:
    """What the table needs to know of the job so far, and of this attempt's own steps."""

    attempts: int  # failed transient attempts before this one
    rate_waits: int
    first_rate_wait_at: datetime | None
    deadline_at: datetime
    retry_unknown_outcome: bool
    recovers_duplicates: bool = False  # a create whose 409 may name the job's own object
    earlier_unknown: bool = False  # an earlier attempt may have landed (unknown, lapsed lease)
    refreshed: bool = False  # this attempt already refreshed after a 401
    recovering: bool = False  # this attempt already tried to recover a duplicate

    @classmethod
    def of(
        cls, job: JobRecord, *, retry_unknown_outcome: bool, recovers_duplicates: bool
    ) -> AttemptState:
        outcomes = [str(entry.get("outcome")) for entry in job.history]
        return cls(
            attempts=job.attempts,
            rate_waits=job.rate_waits,
            first_rate_wait_at=_first_rate_wait(job),
            deadline_at=job.deadline_at,
            retry_unknown_outcome=retry_unknown_outcome,
            recovers_duplicates=recovers_duplicates,
            earlier_unknown=any(o in UNKNOWN_OUTCOMES for o in outcomes),
        )


Rule = Callable[[Any, AttemptState, datetime], Decision]


@dataclass(eq=False, kw_only=True)
class DecisionTable:
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_base_s: float = DEFAULT_BACKOFF_BASE_S
    backoff_cap_s: float = DEFAULT_BACKOFF_CAP_S
    max_rate_waits: int = DEFAULT_MAX_RATE_WAITS
    rate_wait_budget: timedelta = DEFAULT_RATE_WAIT_BUDGET
    rng: random.Random = field(default_factory=random.Random)  # jitter, not cryptography
    #: The table of the module docstring, in the same order.
    rows: list[tuple[tuple[type[BaseException], ...], Rule]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rows = [
            ((PortalBudgetExhausted,), self._throttled),
            ((TimeLimitExceeded,), self._timed_out),
            ((AccountUnavailable, MissingScopes, HubSpotMissingScopes), _fail_with_link),
            ((RefreshTokenRejected, CredentialsUnreadable), _fail_with_link),
            ((HubSpotUnauthorized,), _unauthorized),
            ((HubSpotConflict,), _conflict),
            ((HubSpotRateLimited,), self._rate_limited),
            ((HubSpotOutcomeUnknown,), self._unknown),
            ((HubSpotUnavailable, OAuthUnavailable), self._backoff),
            ((OAuthRequestError,), _fail),
            ((HubSpotActionsError,), _fail),
        ]

    def decide(self, exc: BaseException, state: AttemptState, now: datetime) -> Decision:
        for types, rule in self.rows:
            if isinstance(exc, types):
                return rule(exc, state, now)
        return Fail(
            {
                "code": "internal_error",
                "message": f"unexpected {type(exc).__name__} while running the job",
                "retryable": False,
            },
            internal=True,
        )

    def backoff_delay(self, attempts: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempts)]."""
        bound = min(self.backoff_cap_s, self.backoff_base_s * (2 ** min(attempts, 30)))
        return self.rng.uniform(0, bound)

    # -- the rows that need the table's tunables -------------------------------------------

    def _throttled(self, exc: PortalBudgetExhausted, state: AttemptState, now: datetime) -> Wait:
        return Wait(delay_s=exc.delay_s, kind=WaitKind.THROTTLED)

    def _timed_out(self, exc: TimeLimitExceeded, state: AttemptState, now: datetime) -> Decision:
        # Stopped mid-call: like a HubSpot read timeout, the request may have been applied.
        unknown = HubSpotOutcomeUnknown(
            "the attempt ran past JOB_ATTEMPT_TIMEOUT_SECONDS and was stopped"
        )
        return self._unknown(unknown, state, now)

    def _unknown(self, exc: HubSpotOutcomeUnknown, state: AttemptState, now: datetime) -> Decision:
        if not state.retry_unknown_outcome:
            error = _error(exc)
            error["message"] = UNKNOWN_OUTCOME_MESSAGE
            return Fail(error)
        return self._backoff(exc, state, now, kind=WaitKind.OUTCOME_UNKNOWN)

    def _backoff(
        self,
        exc: HubSpotUnavailable | OAuthUnavailable,
        state: AttemptState,
        now: datetime,
        *,
        kind: WaitKind = WaitKind.RETRY,
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
        return Wait(delay_s=delay, kind=kind)

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


# -- rows that need nothing but the exception and the state --------------------------------


def _fail(exc: HubSpotActionsError, state: AttemptState, now: datetime) -> Fail:
    return Fail(_error(exc))


def _fail_with_link(exc: HubSpotActionsError, state: AttemptState, now: datetime) -> Fail:
    return Fail(_error(exc), needs_reauth_link=True)


def _unauthorized(exc: HubSpotUnauthorized, state: AttemptState, now: datetime) -> Decision:
    return Fail(_error(exc)) if state.refreshed else RefreshAndRetry()


def _conflict(exc: HubSpotConflict, state: AttemptState, now: datetime) -> Decision:
    if (
        state.recovers_duplicates
        and state.earlier_unknown
        and exc.existing_id
        and not state.recovering
    ):
        return RecoverDuplicate()
    return Fail(_error(exc))


def _error(exc: HubSpotActionsError) -> dict[str, Any]:
    body = exc.to_dict()
    body.setdefault("retryable", exc.retryable)
    return body


def _first_rate_wait(job: JobRecord) -> datetime | None:
    for entry in job.history:
        if entry.get("outcome") == HistoryOutcome.RATE_LIMITED:
            return datetime.fromisoformat(str(entry["at"]))
    return None


# -- lapsed leases -------------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class LeaseLapses:
    """The sweep's verdict on a job whose lease lapsed (``store.jobs.LapseVerdict``)."""

    max_lapses: int = DEFAULT_MAX_LEASE_LAPSES

    def __call__(self, job: JobRecord) -> dict[str, Any] | None:
        lapses = job.lease_lapses + 1
        if lapses < self.max_lapses:
            return None  # re-queue: a worker restart or a deploy is normal
        return WorkerLost(
            f"the job's worker stopped while running it {lapses} times (killed, out of memory "
            "or crashed); it was not run again. Check the worker logs before submitting again.",
            lease_lapses=lapses,
        ).to_dict()


# -- refresh -------------------------------------------------------------------------------


class RefreshVerdict(StrEnum):
    """What a refresh attempt's exception means for the account."""

    DEFER = "deferred"  # nothing was sent; look again when the lock or hold allows
    REVOKE = "revoked"  # HubSpot refused the refresh token: REVOKED, off the schedule
    UNSCHEDULE = "unscheduled"  # the account can no longer run jobs: deliberately off
    BACK_OFF = "failed"  # transient: retry on the refresh backoff
    HOLD = "held"  # fails a job at once: no quick retry; looked at again much later
    CRASH = "crashed"  # a bug or an outage of our own: logged, retried on the backoff


#: The refresh rows, in order; the job table's meaning for each is in the module docstring.
REFRESH_ROWS: list[tuple[tuple[type[BaseException], ...], RefreshVerdict]] = [
    ((RefreshDeferred,), RefreshVerdict.DEFER),
    ((RefreshTokenRejected,), RefreshVerdict.REVOKE),
    ((AccountUnavailable, AccountNotFound), RefreshVerdict.UNSCHEDULE),
    ((HubSpotUnavailable, OAuthUnavailable, HubSpotRateLimited), RefreshVerdict.BACK_OFF),
    ((OAuthRequestError, CredentialsUnreadable, HubSpotError), RefreshVerdict.HOLD),
]


def refresh_verdict(exc: BaseException) -> RefreshVerdict:
    for types, verdict in REFRESH_ROWS:
        if isinstance(exc, types):
            return verdict
    return RefreshVerdict.CRASH
