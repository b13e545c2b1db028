"""The jobs of one-call tools that one message names, claimed and recorded together.

A batch submission's jobs of a tool that makes one HubSpot call per job (a read, a search, an
association) go in one message per account, tool and lane (``broker.dispatch.job_messages``).
Run one message per job, each job cost the worker a claim transaction, a finish transaction, a
pass through the middleware and an ack around its call: about two thirds of the 6.4 ms of CPU a
read job took (bench/README.md). Here the message's jobs are claimed in one transaction
(``JobStore.claim_many``), each account's token is read once for the group
(``worker.refresh.tokens.GroupTokens``), their calls run side by side on the process's call
pool, and their plain successes are recorded in one transaction (``JobExecutor.record_many``).

Each job stays its own: its call is ``JobExecutor.attempt`` (the account check, scopes, token,
the portal's budget, the decision table's extra steps), its ending is decided and written as a
single job's, and every ending is reported in the message's thread, where the middleware reads
them (done notifications, the summary line, metrics, webhook events). The pool's threads run
each call in a copy of the message's context with the job bound, so its log lines name it.

The calls run on a pool rather than one after another because a group is up to a hundred jobs:
at 100 ms of HubSpot latency, one after another would take ten seconds where the workers'
threads, one job each, took under one. The pool has ``WORKER_THREADS`` threads per process,
shared by every group, so a process never has more calls in flight than that.

While the calls run, every claimed job's lease is renewed (``LeaseKeeper.hold``). A worker killed
mid-group leaves each job to the sweep, which re-queues or settles it like any single job. A
database outage while recording propagates after the other calls are done: what was not recorded
lapses and is settled by the sweep.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace

import structlog

from core.logging import get_logger
from store.accounts import AccountRecord
from store.jobs import JobRecord
from worker.calls import HubSpotCalls
from worker.executor import Ended, JobExecutor
from worker.lease import LeaseKeeper
from worker.refresh.tokens import TokenProvider

log = get_logger(__name__)


@dataclass(eq=False, kw_only=True)
class GroupRun:
    executor: JobExecutor
    keeper: LeaseKeeper | None
    pool: ThreadPoolExecutor
    #: Each group reads an account's token once (``GroupTokens``); None: every call reads it.
    tokens: TokenProvider | None = None

    def run(self, job_ids: list[str]) -> None:
        """Claim what is still queued of ``job_ids``, make their calls, record every ending."""
        ex = self.executor
        claimed = ex.jobs.claim_many(job_ids, owner=ex.lease.owner, lease_seconds=ex.lease.seconds)
        if not claimed:
            log.debug("job.claim_skipped", jobs=len(job_ids))
            return
        structlog.contextvars.bind_contextvars(tool=claimed[0].tool_name)
        accounts: dict[str, AccountRecord | None] = {
            account_id: ex.accounts.get_by_id(account_id)
            for account_id in dict.fromkeys(job.account_id for job in claimed)
        }
        group_calls = ex.calls
        if self.tokens is not None:
            group_calls = replace(ex.calls, tokens=self.tokens.for_group())
        self._hold(claimed)
        try:
            calls: list[Future[Ended]] = [
                self.pool.submit(
                    contextvars.copy_context().run,
                    self._attempt,
                    job,
                    accounts[job.account_id],
                    group_calls,
                )
                for job in claimed
            ]
            wait(calls)
            attempts: list[tuple[JobRecord, Ended]] = []
            failure: BaseException | None = None
            for job, call in zip(claimed, calls, strict=True):
                exc = call.exception()
                if exc is None:
                    attempts.append((job, call.result()))
                elif failure is None:
                    failure = exc  # the store went away mid-call: left to the sweep
            ex.record_many(attempts)
            if failure is not None:
                raise failure
        finally:
            self._release(claimed)

    def _attempt(self, job: JobRecord, account: AccountRecord | None, calls: HubSpotCalls) -> Ended:
        structlog.contextvars.bind_contextvars(job_id=job.id, tool=job.tool_name)
        return self.executor.attempt(job, account, calls)

    def _hold(self, jobs: list[JobRecord]) -> None:
        if self.keeper is not None:
            for job in jobs:
                self.keeper.hold(job.id)

    def _release(self, jobs: list[JobRecord]) -> None:
        if self.keeper is not None:
            for job in jobs:
                self.keeper.release(job.id)
