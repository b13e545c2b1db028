"""The jobs table: the results store every caller polls, and the source of truth for queued work.

State changes are single conditional UPDATEs, so concurrent workers, schedulers and API processes
never need a lock: a claim only wins on a ``queued`` row, an outcome only lands for the worker
holding the lease, a cancel only takes a job that has not started.

The store is one class built from one module per concern: ``record`` (what a row is), ``reads``
(lookups and the sweep's pages), ``leases`` (the worker's claim, renewal and outcomes, and the
sweep's lapsed leases), ``order`` (one record's writes in submission order, the coalescing
worker's batch claim) and this module (submits, the scheduler's promotions, the API's cancel,
revocation and retention).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from core.clock import Clock, SystemClock
from core.errors import IdempotencyConflict, JobConflict, JobNotFound
from schemas.jobs import JobStatus
from schemas.tools.coalescing import record_key
from store.db import Database
from store.jobs.leases import Finish, JobLeases, LapsedLeases, LapseVerdict
from store.jobs.order import BatchHead, ClaimHead, JobBatches
from store.jobs.reads import JobReads
from store.jobs.record import (
    CANCELLED_ERROR,
    JOB_DEADLINE,
    JobRecord,
    NewJob,
    ended,
    input_hash,
)
from store.models import jobs
from store.sql import insert_returning_row, insert_rows

__all__ = [
    "CANCELLED_ERROR",
    "JOB_DEADLINE",
    "BatchHead",
    "ClaimHead",
    "Finish",
    "JobRecord",
    "JobStore",
    "LapseVerdict",
    "LapsedLeases",
    "NewJob",
    "input_hash",
]


class JobStore(JobReads, JobLeases, JobBatches):
    def __init__(self, *, db: Database, clock: Clock | None = None) -> None:
        super().__init__(db=db, clock=clock or SystemClock())

    # -- creation -------------------------------------------------------------------------

    def create(self, new: NewJob) -> tuple[JobRecord, bool]:
        """Insert a job; with an idempotency key already used, return that job (created=False).

        Raises ``IdempotencyConflict`` when the key was used for a different payload.
        """
        with self.db.write() as conn:
            return self._create(conn, new)

    def create_many(self, news: list[NewJob]) -> list[tuple[JobRecord, bool] | IdempotencyConflict]:
        """Insert a batch in one transaction and one statement; per-item idempotency outcomes.

        One ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` for the batch (``store.sql.
        insert_rows``: multi-row ``VALUES`` on SQLite, one JSON document on PostgreSQL)
        instead of a statement per job: the per-job inserts were 47% of the
        web process's samples under a bulk submission (bench/README.md). A row that did not
        come back hit a conflict and is resolved as ``create`` would (an earlier job with its
        idempotency key, perhaps earlier in this same batch).
        """
        if not news:
            return []
        now = self.clock.now()
        rows = [self._row_values(new, now) for new in news]
        out: list[tuple[JobRecord, bool] | IdempotencyConflict] = []
        with self.db.write() as conn:
            inserted = {job.id: job for job in JobRecord.from_result(insert_rows(conn, jobs, rows))}
            for new, values in zip(news, rows, strict=True):
                record = inserted.get(new.id)
                if record is not None:
                    out.append((record, True))
                    continue
                try:
                    out.append((self._existing(conn, new, values["input_hash"]), False))
                except IdempotencyConflict as exc:
                    out.append(exc)
        return out

    def _create(self, conn: Connection, new: NewJob) -> tuple[JobRecord, bool]:
        values = self._row_values(new, self.clock.now())
        inserted = insert_returning_row(conn, jobs, values)
        if inserted is not None:
            return JobRecord.from_row(inserted), True
        return self._existing(conn, new, values["input_hash"]), False

    @staticmethod
    def _row_values(new: NewJob, now: datetime) -> dict[str, Any]:
        later = new.run_at is not None and new.run_at > now
        status = JobStatus.SCHEDULED if later else JobStatus.QUEUED
        return {
            "id": new.id,
            "account_id": new.account_id,
            "connection_name": new.connection_name,
            "identifier": new.identifier,
            "tool_name": new.tool_name,
            "lane": new.lane.value,
            "status": status.value,
            "attempts": 0,
            "rate_waits": 0,
            "history": [],
            "input": new.input,
            "input_hash": input_hash(new.tool_name, new.input),
            "idempotency_key": new.idempotency_key,
            "created_at": now,
            "updated_at": now,
            "run_at": new.run_at,
            "due_at": new.run_at if later else None,
            "deadline_at": max(now, new.run_at or now) + JOB_DEADLINE,
            "metadata": new.metadata,
            "record_key": record_key(new.tool_name, new.input),
        }

    @staticmethod
    def _existing(conn: Connection, new: NewJob, digest: str) -> JobRecord:
        """The job an insert conflicted with: the one holding ``new``'s idempotency key."""
        existing = conn.execute(
            select(jobs).where(
                jobs.c.connection_name == new.connection_name,
                jobs.c.identifier == new.identifier,
                jobs.c.idempotency_key == new.idempotency_key,
            )
        ).first()
        if existing is None:  # the id itself collided: practically impossible, but say so
            raise JobConflict(f"job id {new.id} already exists")
        record = JobRecord.from_row(existing)
        if record.input_hash != digest:
            raise IdempotencyConflict(
                f"idempotency_key {new.idempotency_key!r} was already used for another payload "
                f"(job {record.id})",
                job_id=record.id,
            )
        return record

    # -- the scheduler's transitions ------------------------------------------------------

    def promote_due(self, job_ids: list[str]) -> list[JobRecord]:
        """``scheduled``/``retrying`` jobs whose time has come -> ``queued``; returns them."""
        if not job_ids:
            return []
        now = self.clock.now()
        with self.db.write() as conn:
            rows = conn.execute(
                update(jobs)
                .where(
                    jobs.c.id.in_(job_ids),
                    jobs.c.status.in_([JobStatus.SCHEDULED.value, JobStatus.RETRYING.value]),
                    jobs.c.due_at <= now,
                )
                .values(status=JobStatus.QUEUED.value, due_at=None, updated_at=now)
                .returning(*jobs.c)
            ).all()
        return [JobRecord.from_row(r) for r in rows]

    def fail_waiting_for_account(
        self, account_id: str, *, error: dict[str, Any], include_scheduled: bool = False
    ) -> list[str]:
        """Fail the account's jobs that have not started (revocation); returns their ids."""
        statuses = [JobStatus.QUEUED.value, JobStatus.RETRYING.value]
        if include_scheduled:
            statuses.append(JobStatus.SCHEDULED.value)
        now = self.clock.now()
        with self.db.write() as conn:
            rows = conn.execute(
                update(jobs)
                .where(jobs.c.account_id == account_id, jobs.c.status.in_(statuses))
                .values(ended(JobStatus.FAILED, error, now))
                .returning(jobs.c.id)
            ).all()
        return [r.id for r in rows]

    # -- the API's transitions ------------------------------------------------------------

    def cancel(self, job_id: str) -> JobRecord:
        """Cancel a job that has not started; ``JobConflict`` when running or finished."""
        now = self.clock.now()
        cancellable = [JobStatus.QUEUED.value, JobStatus.SCHEDULED.value, JobStatus.RETRYING.value]
        with self.db.write() as conn:
            row = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status.in_(cancellable))
                .values(ended(JobStatus.CANCELLED, CANCELLED_ERROR, now))
                .returning(*jobs.c)
            ).first()
            if row is not None:
                return JobRecord.from_row(row)
            current = conn.execute(select(jobs.c.status).where(jobs.c.id == job_id)).scalar()
        if current is None:
            raise JobNotFound(f"no job {job_id}")
        raise JobConflict(f"job {job_id} is {current} and can no longer be cancelled")

    def purge_finished(self, before: datetime, *, limit: int = 1000) -> int:
        """Delete finished jobs (and with them their idempotency keys) older than ``before``."""
        with self.db.write() as conn:
            ids = select(jobs.c.id).where(jobs.c.finished_at < before).limit(limit)
            return conn.execute(delete(jobs).where(jobs.c.id.in_(ids.scalar_subquery()))).rowcount
