"""Running one job: claim it, make its HubSpot call, record what happened.

The steps are named methods so each reads on its own: ``run`` claims and holds the lease,
``_attempt`` checks the account and scopes, asks the portal's rate budget (``worker.ratelimit``)
for a slot, then calls HubSpot (one forced refresh and one retry on a 401), ``_succeed`` /
``_fail`` / ``_wait`` write the outcome. What an exception means for the job is not decided here
but by ``RetryPolicy`` (by type, in one place): a job without a slot now waits for its booked slot
like any other wait, in the job schedule, holding no thread.

The account check comes before anything else, so a job of a revoked or disconnected account
never reaches HubSpot; the budget check comes before the token is read, so a deferred job costs
no decryption.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import redis
import structlog

from broker.events import WebhookEvents
from broker.notify import publish_job_done
from broker.schedule import Schedule
from core.clock import Clock, SystemClock
from core.errors import AccountNotFound, MissingScopes
from core.logging import get_logger
from hubspot_client.client import HubSpotClient
from hubspot_client.errors import HubSpotConflict, HubSpotError, HubSpotUnauthorized
from hubspot_client.responses import HubSpotResponse
from schemas.accounts import unavailable_error
from schemas.jobs import MAX_RESULT_BYTES, JobStatus
from schemas.tools import HubSpotRequest, ToolSpec, get_tool, parse_tool_input
from store.accounts import AccountRecord, AccountStore
from store.errors import StoreUnavailable
from store.jobs import JobRecord, JobStore
from worker import job_metrics
from worker.lease import LeaseKeeper
from worker.ratelimit import RateLimiter
from worker.recovery import CONTACT_CREATE, recover_contact_create
from worker.refresh.tokens import TokenProvider
from worker.retry_policy import AttemptState, Fail, RetryPolicy, Wait, WaitKind

log = get_logger(__name__)

#: How long a claimed job's lease lasts without renewal (the keeper renews it 3x per period).
DEFAULT_LEASE_SECONDS = 60.0


class ResultTooLarge(HubSpotError):
    code = "result_too_large"


@dataclass
class _Outcome:
    response: HubSpotResponse
    recovered_duplicate: bool = False


class JobExecutor:
    def __init__(
        self,
        *,
        jobs: JobStore,
        accounts: AccountStore,
        tokens: TokenProvider,
        hubspot: HubSpotClient,
        policy: RetryPolicy,
        job_schedule: Schedule,
        redis_client: redis.Redis,
        lease: LeaseKeeper,
        mint_reauth_link: Callable[[str], str | None],
        owner: str,
        limiter: RateLimiter | None = None,
        notify_done: Callable[[str], None] | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        clock: Clock | None = None,
        events: WebhookEvents | None = None,
    ) -> None:
        self.jobs = jobs
        self.accounts = accounts
        self.tokens = tokens
        self.hubspot = hubspot
        self.policy = policy
        self.job_schedule = job_schedule
        self.redis = redis_client
        self.lease = lease
        self.mint_reauth_link = mint_reauth_link
        self.owner = owner
        self.limiter = limiter
        self.notify_done = notify_done or (lambda job_id: publish_job_done(redis_client, [job_id]))
        self.lease_seconds = lease_seconds
        self.clock = clock or SystemClock()
        self.events = events

    def run(self, job_id: str) -> None:
        """Run ``job_id`` if it is still queued (redelivered messages find it claimed: no-op)."""
        claimed = self.jobs.claim_with(
            job_id,
            owner=self.owner,
            lease_seconds=self.lease_seconds,
            load=lambda conn, job: self.accounts.get_by_id(job.account_id, conn),
        )
        if claimed is None:
            log.debug("job.claim_skipped", job_id=job_id)
            return
        job, account = claimed
        structlog.contextvars.bind_contextvars(job_id=job.id, tool=job.tool_name)
        started = time.perf_counter()
        try:
            with self.lease.hold(job.id):
                try:
                    outcome = self._attempt(job, account)
                except StoreUnavailable:
                    raise  # the lease lapses and the sweep re-queues the job
                except Exception as exc:
                    self._on_error(job, exc, started)
                else:
                    self._succeed(job, outcome, started)
        finally:
            structlog.contextvars.unbind_contextvars("job_id", "tool")

    # -- the attempt ----------------------------------------------------------------------

    def _attempt(self, job: JobRecord, account: AccountRecord | None) -> _Outcome:
        account = self._runnable_account(job, account)
        job_metrics.CURRENT_PORTAL.set(account.hub_id)
        tool = get_tool(job.tool_name)
        request = tool.build_request(parse_tool_input(tool.name, job.input))
        self._check_scopes(tool, account)
        self._throttle(job, account, request)
        token = self.tokens.get(account.id)
        try:
            return _Outcome(self.hubspot.send(request, access_token=token.value.get_secret_value()))
        except HubSpotUnauthorized:
            # HubSpot says a 401 is no proof the token expired; refresh once, retry once.
            fresh = self.tokens.force_refresh(account.id, stale_version=token.version)
            if fresh is None:
                raise
            log.info("job.retry_after_refresh", account_id=account.id)
            self._count_extra_call(job, account, request)
            return _Outcome(self.hubspot.send(request, access_token=fresh.value.get_secret_value()))
        except HubSpotConflict as exc:
            if tool.name != CONTACT_CREATE:
                raise
            self._count_extra_call(job, account, request)
            recovered = recover_contact_create(
                job, exc, hubspot=self.hubspot, access_token=token.value.get_secret_value()
            )
            return _Outcome(recovered, recovered_duplicate=True)

    def _throttle(self, job: JobRecord, account: AccountRecord, request: HubSpotRequest) -> None:
        """Take a slot of the portal's budget, or raise ``PortalBudgetExhausted`` (a wait)."""
        if self.limiter is None or account.hub_id is None:
            return
        try:
            self.limiter.acquire(hub_id=account.hub_id, holder=job.id, search=_is_search(request))
        except redis.RedisError as exc:
            # Fail open: HubSpot's own 429s (and our policy for them) still protect the portal.
            log.warning("ratelimit.unavailable", error=type(exc).__name__)

    def _count_extra_call(
        self, job: JobRecord, account: AccountRecord, request: HubSpotRequest
    ) -> None:
        if self.limiter is None or account.hub_id is None:
            return
        try:
            self.limiter.record(hub_id=account.hub_id, holder=job.id, search=_is_search(request))
        except redis.RedisError as exc:
            log.warning("ratelimit.unavailable", error=type(exc).__name__)

    @staticmethod
    def _runnable_account(job: JobRecord, account: AccountRecord | None) -> AccountRecord:
        """The account as read when the job was claimed, if it may run jobs now."""
        if account is None:
            raise AccountNotFound(f"no connected account for {job.identifier!r}")
        if not account.status.can_run_jobs:
            raise unavailable_error(account.status, account.identifier)
        return account

    @staticmethod
    def _check_scopes(tool: ToolSpec, account: AccountRecord) -> None:
        missing = [s for s in tool.required_scopes if s not in account.granted_scopes]
        if missing:
            raise MissingScopes(
                f"{tool.name} needs {', '.join(missing)}, which the account's grant lacks; "
                "the user must authorize the app again",
                missing_scopes=missing,
            )

    # -- outcomes -------------------------------------------------------------------------

    def _succeed(self, job: JobRecord, outcome: _Outcome, started: float) -> None:
        body = outcome.response.body
        if len(json.dumps(body, separators=(",", ":"))) > MAX_RESULT_BYTES:
            exc = ResultTooLarge(
                f"HubSpot's answer is larger than {MAX_RESULT_BYTES} bytes; ask for fewer "
                "properties or a smaller limit"
            )
            self._fail(job, Fail(exc.to_dict()), exc, started)
            return
        entry = self._entry("succeeded", http_status=outcome.response.status_code)
        if outcome.recovered_duplicate:
            entry["category"] = "RECOVERED_DUPLICATE"
        landed = self.jobs.finish(
            job,
            status=JobStatus.SUCCEEDED,
            result=body,
            history=[*job.history, entry],
            attempts=job.attempts + 1,
        )
        self._done(job, landed, "succeeded", started)

    def _on_error(self, job: JobRecord, exc: Exception, started: float) -> None:
        state = AttemptState(
            attempts=job.attempts,
            rate_waits=job.rate_waits,
            first_rate_wait_at=_first_rate_wait(job),
            deadline_at=job.deadline_at,
            retry_unknown_outcome=_retry_unknown(job.tool_name),
        )
        decision = self.policy.decide(exc, state, self.clock.now())
        if isinstance(decision, Wait):
            self._wait(job, decision, exc)
        else:
            if decision.error.get("code") == "internal_error":
                log.exception("job.internal_error", exc_info=exc)
            self._fail(job, decision, exc, started)

    def _fail(self, job: JobRecord, decision: Fail, exc: BaseException, started: float) -> None:
        error = dict(decision.error)
        if decision.needs_reauth_link:
            error["reauth_link"] = self._reauth_link(job.account_id)
        entry = self._entry(str(error.get("code")), **_http_info(exc))
        landed = self.jobs.finish(
            job,
            status=JobStatus.FAILED,
            error=error,
            history=[*job.history, entry],
            attempts=job.attempts + 1,
        )
        self._done(job, landed, "failed", started, code=error.get("code"))

    def _wait(self, job: JobRecord, decision: Wait, exc: BaseException) -> None:
        due = self.clock.now() + timedelta(seconds=decision.delay_s)
        outcome = decision.kind.value
        if isinstance(exc, HubSpotError) and exc.code == "outcome_unknown":
            outcome = "outcome_unknown"
        entry = self._entry(outcome, delay_s=round(decision.delay_s, 3), **_http_info(exc))
        landed = self.jobs.defer(
            job,
            due_at=due,
            history=[*job.history, entry],
            attempts=job.attempts + (1 if decision.uses_attempt else 0),
            rate_waits=job.rate_waits + (1 if decision.is_rate_wait else 0),
        )
        if not landed:
            log.warning("job.lease_lost", job_id=job.id)
            return
        if decision.kind in (WaitKind.RATE_LIMITED, WaitKind.THROTTLED):
            job_metrics.rate_limit_wait(self.redis, decision.kind.value)
        if decision.kind is WaitKind.THROTTLED:
            log.debug("job.throttled", delay_s=round(decision.delay_s, 3))
        else:
            log.info("job.waiting", outcome=outcome, delay_s=round(decision.delay_s, 3))
        try:
            self.job_schedule.add(job.id, due.timestamp())
        except redis.RedisError as err:  # the sweep re-adds it from SQL
            log.warning("job.schedule_failed", error=type(err).__name__)

    def _done(self, job: JobRecord, landed: bool, status: str, started: float, **kw: Any) -> None:
        if not landed:
            log.warning("job.lease_lost", job_id=job.id)
            return
        log.info(
            "job.finished",
            status=status,
            attempts=job.attempts + 1,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            **kw,
        )
        job_metrics.job_finished(self.redis, job, status, kw.get("code"), self.clock.now())
        if self.events is not None:  # webhooks: job.succeeded / job.failed (never raises)
            self.events.job_finished(job.id)
        self.notify_done(job.id)

    def _reauth_link(self, account_id: str) -> str | None:
        try:
            return self.mint_reauth_link(account_id)
        except Exception as exc:
            log.warning("job.reauth_link_failed", error=type(exc).__name__)
            return None

    def _entry(self, outcome: str, **fields: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {"at": self.clock.now().isoformat(), "outcome": outcome}
        entry.update({k: v for k, v in fields.items() if v is not None})
        return entry


def _http_info(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, HubSpotError):
        return {"http_status": exc.status_code, "category": exc.category}
    return {}


def _first_rate_wait(job: JobRecord) -> datetime | None:
    for entry in job.history:
        if entry.get("outcome") == "rate_limited":
            return datetime.fromisoformat(str(entry["at"]))
    return None


def _is_search(request: HubSpotRequest) -> bool:
    """Search calls have their own HubSpot limit (and so their own budget)."""
    return request.method == "POST" and request.path.endswith("/search")


def _retry_unknown(tool_name: str) -> bool:
    try:
        return get_tool(tool_name).retry_unknown_outcome
    except Exception:
        return False
