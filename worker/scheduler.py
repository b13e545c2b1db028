"""``hubspot-actions scheduler``: drains the schedules and heals what Redis lost.

Every tick (a few times a second) it claims due entries atomically (several schedulers can run side
by side) and enqueues them: jobs whose ``run_at``, backoff or rate-limit wait is over go back to
``queued``, accounts whose token is due for a refresh get a refresh message.

Every ``SWEEP_INTERVAL_SECONDS`` it first returns the messages dead workers had prefetched to their
queues (Dramatiq's maintenance, run on demand with a heartbeat timeout of one job lease: a worker
whose consumers, heartbeating every second, have been silent that long is dead, and so are its
leases; left to Dramatiq these messages wait for its random maintenance, minutes under light
traffic and forever with none). Then it rebuilds Redis from SQL, the source of truth: jobs whose
lease lapsed (a killed worker) are re-queued (after ``JOB_MAX_LEASE_LAPSES`` lapses they fail
``worker_lost`` instead, ``worker.decisions.LeaseLapses``), ``queued`` jobs whose message is
gone (Redis was down at submit, or flushed) are enqueued again, ``scheduled``/``retrying`` jobs
missing from the job schedule are put back, ACTIVE and EXPIRED accounts missing from the refresh
schedule are put back (``worker.refresh.schedule``), and finished jobs past retention are
deleted. A Redis lock makes one scheduler do each sweep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import redis

from broker.dispatch import job_ref
from broker.notify import publish_job_done
from broker.schedule import HEARTBEAT_KEY
from core.logging import get_logger
from store.errors import StoreUnavailable
from store.jobs import JobRecord
from worker.refresh.schedule import AccountSweep, RefreshEnqueuer
from worker.runtime import WorkerRuntime
from worker.webhooks.schedule import WebhookSweep, WebhookTick

log = get_logger(__name__)

#: How often due entries are claimed (the contract: at least once a second).
TICK_SECONDS = 0.2
#: Entries claimed per schedule per tick; the rest wait for the next tick.
CLAIM_BATCH = 500
#: Rows examined per sweep query page.
SWEEP_PAGE = 500
SWEEP_LOCK_KEY = "ha:lock:sweep"


class Scheduler:
    def __init__(self, *, runtime: WorkerRuntime, sweep_interval: float) -> None:
        self.rt = runtime
        self.sweep_interval = sweep_interval
        self.refresh_hook: Callable[[list[str]], None] | None = RefreshEnqueuer(
            accounts=runtime.accounts, dispatcher=runtime.dispatcher
        )
        self.tick_hooks: list[Callable[[float], None]] = [
            WebhookTick(schedule=runtime.webhook_schedule, dispatcher=runtime.dispatcher)
        ]
        self.sweep_hooks: list[Callable[[], None]] = [
            AccountSweep(
                accounts=runtime.accounts,
                schedule=runtime.refresh_schedule,
                margin_s=float(runtime.settings.token_refresh_margin_seconds),
            ),
            WebhookSweep(
                store=runtime.webhooks,
                schedule=runtime.webhook_schedule,
                clock=runtime.clock,
                interval_s=sweep_interval,
            ),
        ]

    # -- the loop -------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        next_sweep = 0.0
        while not stop.is_set():
            started = time.monotonic()
            try:
                self.tick()
                if started >= next_sweep:
                    self.sweep()
                    next_sweep = started + self.sweep_interval
            except (redis.RedisError, StoreUnavailable) as exc:
                log.warning("scheduler.tick_failed", error=type(exc).__name__, detail=str(exc))
                stop.wait(1.0)
            stop.wait(max(0.0, TICK_SECONDS - (time.monotonic() - started)))

    def tick(self) -> None:
        now = self.rt.clock.time()
        self.rt.redis.set(HEARTBEAT_KEY, repr(now), ex=30)
        due = self.rt.job_schedule.claim_due(now, limit=CLAIM_BATCH)
        if due:
            promoted = self.rt.jobs.promote_due(due)
            self._enqueue(promoted)
        if self.refresh_hook is not None:
            accounts = self.rt.refresh_schedule.claim_due(now, limit=CLAIM_BATCH)
            if accounts:
                self.refresh_hook(accounts)
        for hook in self.tick_hooks:
            hook(now)

    # -- the sweep ------------------------------------------------------------------------

    def sweep(self) -> None:
        """Rebuild Redis from SQL (one scheduler at a time)."""
        lock_ms = max(1000, int(self.sweep_interval * 1000 * 0.9))
        if not self.rt.redis.set(SWEEP_LOCK_KEY, self.rt.owner, nx=True, px=lock_ms):
            return
        started = time.perf_counter()
        self.rt.dispatcher.requeue_dead_workers(
            heartbeat_timeout_ms=int(self.rt.settings.job_lease_seconds * 1000)
        )
        settled = self.rt.jobs.settle_lapsed(self.rt.lease_lapses)
        lapsed = settled.requeued
        self._enqueue(lapsed)
        if settled.failed:  # worker_lost: their waiters are told, like any finished job
            publish_job_done(self.rt.redis, [job.id for job in settled.failed])
        lost = self._enqueue_lost_messages()
        rescheduled = self._reschedule_waiting_jobs()
        purged = self._purge_finished()
        for hook in self.sweep_hooks:
            hook()
        if lapsed or settled.failed or lost or rescheduled or purged:
            log.info(
                "scheduler.swept",
                lapsed_requeued=len(lapsed),
                lapsed_failed=len(settled.failed),
                lost_reenqueued=lost,
                jobs_rescheduled=rescheduled,
                purged=purged,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )

    def _enqueue(self, jobs: list[JobRecord]) -> None:
        if jobs:
            self.rt.dispatcher.enqueue_jobs(job_ref(j) for j in jobs)

    def _enqueue_lost_messages(self) -> int:
        cutoff = self.rt.clock.now() - timedelta(seconds=self.sweep_interval)
        after: str | None = None
        count = 0
        while True:
            page = self.rt.jobs.queued_before(cutoff, after=after, limit=SWEEP_PAGE)
            if not page:
                return count
            refs = [job_ref(j) for j in page]
            missing = self.rt.dispatcher.missing_messages(refs)
            if missing:
                self.rt.dispatcher.enqueue_jobs(missing)
                count += len(missing)
            after = page[-1].id

    def _reschedule_waiting_jobs(self) -> int:
        after: str | None = None
        count = 0
        while True:
            page = self.rt.jobs.waiting(after=after, limit=SWEEP_PAGE)
            if not page:
                return count
            scores = self.rt.job_schedule.due_of([job_id for job_id, _ in page])
            absent = {
                job_id: due.timestamp()
                for (job_id, due), score in zip(page, scores, strict=True)
                if score is None
            }
            self.rt.job_schedule.add_many(absent)
            count += len(absent)
            after = page[-1][0]

    def _purge_finished(self) -> int:
        cutoff = self.rt.clock.now() - timedelta(days=self.rt.settings.job_retention_days)
        purged = self.rt.jobs.purge_finished(cutoff)
        self.rt.states.purge_expired()
        return purged


def run_scheduler(runtime: WorkerRuntime, stop: threading.Event) -> None:
    scheduler = Scheduler(runtime=runtime, sweep_interval=runtime.settings.sweep_interval_seconds)
    log.info("scheduler.started", sweep_interval_s=scheduler.sweep_interval)
    scheduler.run(stop)
