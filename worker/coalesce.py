"""Coalescing: ready jobs of one account and one tool sent to HubSpot in one batch call.

DESIGN.md section 12. A message of a coalesced tool (``schemas.tools.coalescing``) does not claim
its own job alone: it claims up to 100 ready jobs of the job's account and tool in one
transaction (``JobStore.claim_batch``: its own job first if still ready, then the oldest; each
job under its own lease; never two writes of one record). Claiming the batch in one go, rather
than the message's job first and the others after, keeps concurrent messages of the same jobs
from splitting it: they find their jobs taken and skip.

A ``bulk`` message first waits, up to ``BULK_COALESCE_MS``, for a full batch to be ready (polling
a cheap count, so a large backlog does not wait at all); an ``interactive`` one never waits.
Nothing claimed waits either: the wait happens before the claim.

One job claimed runs like any other (``JobExecutor.run_claimed``); two or more go to
``worker.batch_call``. While the call runs the lease of every job of the batch is renewed
(``LeaseKeeper.hold``, counted, so a skipped message's release of one of them does not stop it);
a worker killed mid-batch leaves each job to the sweep, which re-runs or recovers it like a
single job (section 7).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import structlog

from core.logging import get_logger
from schemas.jobs import JobStatus, Lane
from schemas.tools.batch import MAX_BATCH_INPUTS
from store.accounts import AccountStore
from store.jobs import BatchHead, ClaimHead, JobRecord, JobStore
from worker.batch_call import BatchCall
from worker.executor import JobExecutor, LeaseTerms
from worker.lease import LeaseKeeper
from worker.middleware.ending import current_ends

log = get_logger(__name__)

#: How long a bulk message waits for company when no setting says (``BULK_COALESCE_MS``).
DEFAULT_BULK_COALESCE_S = 0.25
#: How often the bulk wait looks at the ready count.
POLL_INTERVAL_S = 0.05


class HandledJobs:
    """The jobs this process's batches are running now, and the most recent ``limit`` they
    finished: a message of one of them has nothing to do, and knowing that needs no query.

    A running job's other messages were sent before its claim (a job is claimed once per
    message sent); one sent after it and skipped here (the sweep's, for a lease that lapsed
    while the batch was stalled; the schedule's, for a job whose short wait ended before its
    batch did) is sent again by the sweep's lost-message pass: late, never lost. A finished job
    stays finished. Jobs that went on waiting are forgotten: the schedule queues them again
    with a message of their own, which must find them. The finished set is bounded, oldest out
    first; a message of a job no longer remembered just asks SQL.
    """

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._finished: dict[str, None] = {}  # insertion-ordered: the oldest first
        self._running: dict[str, int] = {}  # job id -> batches of this process running it
        self._lock = threading.Lock()

    @contextmanager
    def running(self, job_ids: list[str]) -> Iterator[None]:
        with self._lock:
            for job_id in job_ids:
                self._running[job_id] = self._running.get(job_id, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                for job_id in job_ids:
                    left = self._running.pop(job_id, 1) - 1
                    if left > 0:
                        self._running[job_id] = left

    def finished(self, job_ids: Iterable[str]) -> None:
        with self._lock:
            for job_id in job_ids:
                self._finished[job_id] = None
            while len(self._finished) > self.limit:
                del self._finished[next(iter(self._finished))]

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._running or job_id in self._finished


@dataclass(eq=False, kw_only=True)
class Coalescer:
    executor: JobExecutor
    keeper: LeaseKeeper | None
    bulk_wait_s: float = DEFAULT_BULK_COALESCE_S
    batch_limit: int = MAX_BATCH_INPUTS
    sleep: Callable[[float], None] = time.sleep
    handled: HandledJobs = field(default_factory=HandledJobs)

    @property
    def jobs(self) -> JobStore:
        return self.executor.jobs

    @property
    def accounts(self) -> AccountStore:
        return self.executor.accounts

    @property
    def lease(self) -> LeaseTerms:
        return self.executor.lease

    def run_group(self, job_ids: list[str]) -> None:
        """Run the jobs one message names (``broker.dispatch.job_messages``): the first claims
        its batch, which is most often all of them; each other is then found handled without a
        query, or claims a batch of its own (a job held back by an earlier write of its record,
        one another batch took meanwhile). Only the first waits for company: the others were
        submitted with it."""
        for position, job_id in enumerate(job_ids):
            self.run(job_id, wait=position == 0, prefer=job_ids)

    def run(
        self,
        job_id: str,
        *,
        wait: bool = True,
        prefer: Sequence[str] = (),
        account_id: str | None = None,
        tool: str | None = None,
    ) -> None:
        """Claim ``job_id``'s batch and run it; a no-op when nothing of it is ready any more.

        Most messages of a bulk backlog find their job already taken by another's batch: a batch
        of this process running or having finished it says so without a query
        (``HandledJobs``), else the job's status alone (one column, no JSON to parse) before
        the whole row is read. An interactive message that names its job's account and tool
        (``account_id``, ``tool``) claims at once instead: it never waits for company, and the
        two reads were a sixth of a submitted-and-awaited job's time on PostgreSQL
        (bench/README.md); a stale copy of it claims nothing, or ready jobs of the same account
        and tool, which run early.
        """
        if job_id in self.handled:
            log.debug("job.claim_skipped", job_id=job_id)
            return
        head: BatchHead
        if account_id is not None and tool is not None:
            head = ClaimHead(id=job_id, account_id=account_id, tool_name=tool)
        else:
            if self.jobs.status_of(job_id) is not JobStatus.QUEUED:
                log.debug("job.claim_skipped", job_id=job_id)
                return
            record = self.jobs.get(job_id)
            if record is None or record.status is not JobStatus.QUEUED:
                log.debug("job.claim_skipped", job_id=job_id)
                return
            if wait and record.lane is Lane.BULK:
                self._wait_for_company(record)
            head = record
        batch, loaded = self.jobs.claim_batch_with(
            head,
            owner=self.lease.owner,
            lease_seconds=self.lease.seconds,
            limit=self.batch_limit,
            prefer=prefer,
            load=lambda conn: self.executor.load_for(conn, head.account_id),
        )
        if not batch or loaded is None:
            log.debug("job.claim_skipped", job_id=job_id)
            return
        account, tokens = loaded
        structlog.contextvars.bind_contextvars(tool=head.tool_name)
        if len(batch) == 1:
            self.executor.run_claimed(batch[0], account, tokens)
            return
        self._hold(batch)
        try:
            log.debug("job.coalesced", batch_size=len(batch))
            with self.handled.running([job.id for job in batch]):
                BatchCall(executor=self.executor, jobs=batch, account=account, tokens=tokens).run()
                self.handled.finished(e.job_id for e in current_ends() if e.finished)
        finally:
            self._release(batch)

    def _wait_for_company(self, head: JobRecord) -> None:
        """Give other jobs up to ``bulk_wait_s`` to be ready, unless a full batch already is."""
        deadline = time.monotonic() + self.bulk_wait_s
        while True:
            ready = self.jobs.ready_count(head.account_id, head.tool_name, limit=self.batch_limit)
            left = deadline - time.monotonic()
            if ready >= self.batch_limit or left <= 0:
                return
            self.sleep(min(POLL_INTERVAL_S, left))

    def _hold(self, batch: list[JobRecord]) -> None:
        if self.keeper is not None:
            for job in batch:
                self.keeper.hold(job.id)

    def _release(self, batch: list[JobRecord]) -> None:
        if self.keeper is not None:
            for job in batch:
                self.keeper.release(job.id)
