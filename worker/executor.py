"""Running one job: claim it, make its HubSpot call, record what happened.

``run`` claims the job (only one claim wins, whatever the number of copies of its message) and
reads its account in the same transaction; ``_attempt`` runs the call (``worker.calls``) and asks
the decision table (``worker.decisions``) what each exception means, carrying out the extra steps
it may ask for (a refresh and a resend after a first 401, the recovery of a contact create's
409); ``_record`` writes the ending (``worker.job_outcomes``).

What is not here, because it is the same for every message: the log context, the lease renewal,
the done notification and the summary line are Dramatiq middleware (``worker.middleware``), and
the cap on an attempt is Dramatiq's ``TimeLimit``, whose exception the decision table reads like
a HubSpot timeout.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Protocol

import structlog
from dramatiq.middleware import TimeLimitExceeded
from sqlalchemy import Connection

from core.clock import Clock, SystemClock
from core.logging import get_logger
from hubspot_client.errors import HubSpotConflict, HubSpotUnauthorized
from hubspot_client.responses import HubSpotResponse
from schemas.jobs import MAX_RESULT_BYTES
from schemas.tools import get_tool
from schemas.tools.coalescing import COALESCED_TOOLS
from store.accounts import AccountRecord, AccountStore
from store.errors import StoreUnavailable
from store.jobs import JobRecord, JobStore
from store.vault import TokenSet
from worker.calls import HubSpotCalls
from worker.decisions import (
    AttemptState,
    Decision,
    DecisionTable,
    Fail,
    RecoverDuplicate,
    RefreshAndRetry,
)
from worker.errors import ResultTooLarge
from worker.job_outcomes import JobOutcomes
from worker.recovery import CONTACT_CREATE

log = get_logger(__name__)

#: How long a claimed job's lease lasts without renewal (the keeper renews it 3x per period).
DEFAULT_LEASE_SECONDS = 60.0


@dataclass(frozen=True)
class LeaseTerms:
    """Who claims (this worker's identity) and for how long a lease lasts unrenewed."""

    owner: str
    seconds: float = DEFAULT_LEASE_SECONDS


@dataclass(frozen=True)
class _Answered:
    response: HubSpotResponse
    recovered: bool


@dataclass(frozen=True)
class _Decided:
    decision: Decision
    exc: BaseException


class BatchRunner(Protocol):
    """What runs a job of a coalesced tool (``worker.coalesce.Coalescer``)."""

    def run(
        self, job_id: str, *, account_id: str | None = None, tool: str | None = None
    ) -> None: ...

    def run_group(self, job_ids: list[str]) -> None: ...


@dataclass(eq=False, kw_only=True)
class JobExecutor:
    jobs: JobStore
    accounts: AccountStore
    calls: HubSpotCalls
    outcomes: JobOutcomes
    lease: LeaseTerms
    table: DecisionTable = field(default_factory=DecisionTable)
    clock: Clock = field(default_factory=SystemClock)
    #: Runs jobs of the tools sent in batches (DESIGN.md section 12); wired by the runtime.
    coalescer: BatchRunner | None = field(default=None, init=False)

    def run(
        self,
        job_id: str,
        tool: str | None = None,
        group: list[str] | None = None,
        *,
        account: str | None = None,
        interactive: bool = False,
    ) -> None:
        """Run ``job_id`` if it is still queued (redelivered messages find it claimed: no-op).

        ``tool``, when the message names it, sends a job of a coalesced tool to the coalescer,
        which claims it together with the other ready jobs of its account and tool. ``group``
        names the other jobs of a message that runs several (``broker.dispatch.job_messages``):
        each is run, or found already taken, in turn. ``account`` (the job's, named by the
        message) lets an ``interactive`` one claim at once, without reading its row first.
        """
        if tool in COALESCED_TOOLS and self.coalescer is not None:
            if group:
                self.coalescer.run_group([job_id, *group])
            elif interactive and account is not None:
                self.coalescer.run(job_id, account_id=account, tool=tool)
            else:
                self.coalescer.run(job_id)
            return
        self._run_one(job_id)
        for other in group or ():
            self._run_one(other)

    def _run_one(self, job_id: str) -> None:
        claimed = self.jobs.claim_with(
            job_id,
            owner=self.lease.owner,
            lease_seconds=self.lease.seconds,
            load=lambda conn, job: self.load_for(conn, job.account_id),
        )
        if claimed is None:
            log.debug("job.claim_skipped", job_id=job_id)
            return
        job, (account, tokens) = claimed
        # Cleared with the rest of the message's context by ``worker.middleware.JobContext``.
        structlog.contextvars.bind_contextvars(tool=job.tool_name)
        self.run_claimed(job, account, tokens)

    def load_for(
        self, conn: Connection, account_id: str
    ) -> tuple[AccountRecord | None, TokenSet | None]:
        """What a claimed job's call needs, read in the claim's transaction: its account and
        its tokens (the tokens were a transaction of their own, on the path of a waiting
        caller)."""
        return self.accounts.get_by_id(account_id, conn), self.calls.tokens.read(account_id, conn)

    def run_claimed(
        self, job: JobRecord, account: AccountRecord | None, tokens: TokenSet | None = None
    ) -> None:
        """One attempt of a job this worker has claimed, its ending recorded; ``tokens``: read
        with the claim."""
        self._record(job, self._attempt(job, account, tokens))

    def _attempt(
        self, job: JobRecord, account: AccountRecord | None, tokens: TokenSet | None = None
    ) -> _Answered | _Decided:
        """The call and whatever extra steps the table asks for, until an answer or a decision.

        A database outage propagates: the lease lapses and the sweep re-queues the job.
        """
        state = attempt_state(job)
        call = self.calls.start(job, account, tokens=tokens)
        step: Callable[[], HubSpotResponse] = call.send
        while True:
            try:
                return _Answered(step(), recovered=state.recovering)
            except StoreUnavailable:
                raise
            except (Exception, TimeLimitExceeded) as exc:
                decision = self.table.decide(exc, state, self.clock.now())
                if isinstance(decision, RefreshAndRetry) and isinstance(exc, HubSpotUnauthorized):
                    state = replace(state, refreshed=True)
                    step = partial(call.send_refreshed, exc)
                elif isinstance(decision, RecoverDuplicate) and isinstance(exc, HubSpotConflict):
                    state = replace(state, recovering=True)
                    step = partial(call.recover, exc)
                else:
                    return _Decided(decision, exc)

    def _record(self, job: JobRecord, ended: _Answered | _Decided) -> None:
        if isinstance(ended, _Answered) and _too_large(ended.response):
            exc = ResultTooLarge(
                f"HubSpot's answer is larger than {MAX_RESULT_BYTES} bytes; ask for fewer "
                "properties or a smaller limit"
            )
            ended = _Decided(self.table.decide(exc, attempt_state(job), self.clock.now()), exc)
        if isinstance(ended, _Answered):
            self.outcomes.succeed(job, ended.response, recovered=ended.recovered)
        elif isinstance(ended.decision, Fail):
            self.outcomes.fail(job, ended.decision, ended.exc)
        else:
            assert not isinstance(ended.decision, RefreshAndRetry | RecoverDuplicate)
            self.outcomes.wait(job, ended.decision, ended.exc)


def attempt_state(job: JobRecord) -> AttemptState:
    """What the decision table needs of ``job`` before an attempt."""
    try:
        retry_unknown = get_tool(job.tool_name).retry_unknown_outcome
    except Exception:
        retry_unknown = False
    recovers = job.tool_name == CONTACT_CREATE
    return AttemptState.of(job, retry_unknown_outcome=retry_unknown, recovers_duplicates=recovers)


def _too_large(response: HubSpotResponse) -> bool:
    return len(json.dumps(response.body, separators=(",", ":"))) > MAX_RESULT_BYTES
