"""The jobs table: the results store every caller polls, and the source of truth for queued work.

State changes are single conditional UPDATEs, so concurrent workers, schedulers and API processes
never need a lock: a claim only wins on a ``queued`` row, an outcome only lands for the worker
holding the lease, a cancel only takes a job that has not started.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, delete, func, literal, select, update

from core.clock import Clock, SystemClock
from core.errors import IdempotencyConflict, JobConflict, JobNotFound
from core.ids import new_id
from schemas.jobs import JobStatus, Lane
from store.db import Database
from store.models import jobs
from store.sql import insert_returning_row
from store.types import UTCDateTime

#: How long past its start (or ``run_at``) a job may keep retrying (DESIGN.md s7).
JOB_DEADLINE = timedelta(hours=1)

T = TypeVar("T")

CANCELLED_ERROR = {"code": "cancelled", "message": "cancelled by request", "retryable": False}


@dataclass(frozen=True)
class JobRecord:
    id: str
    account_id: str
    connection_name: str
    identifier: str
    tool_name: str
    lane: Lane
    status: JobStatus
    attempts: int
    rate_waits: int
    history: list[dict[str, Any]]
    input: dict[str, Any]
    input_hash: str
    result: Any
    error: dict[str, Any] | None
    idempotency_key: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    run_at: datetime | None
    due_at: datetime | None
    deadline_at: datetime
    lease_owner: str | None
    lease_expires_at: datetime | None
    metadata: dict[str, Any] | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> JobRecord:
        m = dict(row._mapping)
        m["lane"] = Lane(m["lane"])
        m["status"] = JobStatus(m["status"])
        m["history"] = list(m["history"] or [])
        return cls(**m)


@dataclass(frozen=True)
class NewJob:
    account_id: str
    connection_name: str
    identifier: str
    tool_name: str
    input: dict[str, Any]
    lane: Lane = Lane.INTERACTIVE
    idempotency_key: str | None = None
    run_at: datetime | None = None
    metadata: dict[str, Any] | None = None
    id: str = field(default_factory=lambda: new_id("job"))


def input_hash(tool_name: str, tool_input: dict[str, Any]) -> str:
    """What "the same payload" means for idempotency: the tool and its canonical input."""
    canonical = json.dumps([tool_name, tool_input], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class JobStore:
    def __init__(self, *, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    # -- creation -------------------------------------------------------------------------

    def create(self, new: NewJob) -> tuple[JobRecord, bool]:
        """Insert a job; with an idempotency key already used, return that job (created=False).

        Raises ``IdempotencyConflict`` when the key was used for a different payload.
        """
        with self.db.write() as conn:
            return self._create(conn, new)

    def create_many(self, news: list[NewJob]) -> list[tuple[JobRecord, bool] | IdempotencyConflict]:
        """Insert a batch in one transaction; per-item idempotency outcomes."""
        out: list[tuple[JobRecord, bool] | IdempotencyConflict] = []
        with self.db.write() as conn:
            for new in news:
                try:
                    out.append(self._create(conn, new))
                except IdempotencyConflict as exc:
                    out.append(exc)
        return out

    def _create(self, conn: Connection, new: NewJob) -> tuple[JobRecord, bool]:
        now = self.clock.now()
        digest = input_hash(new.tool_name, new.input)
        later = new.run_at is not None and new.run_at > now
        status = JobStatus.SCHEDULED if later else JobStatus.QUEUED
        values: dict[str, Any] = {
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
            "input_hash": digest,
            "idempotency_key": new.idempotency_key,
            "created_at": now,
            "updated_at": now,
            "run_at": new.run_at,
            "due_at": new.run_at if later else None,
            "deadline_at": max(now, new.run_at or now) + JOB_DEADLINE,
            "metadata": new.metadata,
        }
        inserted = insert_returning_row(conn, jobs, values)
        if inserted is not None:
            return JobRecord.from_row(inserted), True
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
        return record, False

    # -- reads ----------------------------------------------------------------------------

    def get(self, job_id: str) -> JobRecord | None:
        with self.db.read() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return None if row is None else JobRecord.from_row(row)

    def get_many(self, job_ids: list[str]) -> list[JobRecord]:
        """Jobs in the order asked for; unknown ids are left out."""
        with self.db.read() as conn:
            rows = conn.execute(select(jobs).where(jobs.c.id.in_(job_ids))).all()
        by_id = {r.id: JobRecord.from_row(r) for r in rows}
        return [by_id[i] for i in job_ids if i in by_id]

    # -- the worker's transitions ---------------------------------------------------------

    def claim(self, job_id: str, *, owner: str, lease_seconds: float) -> JobRecord | None:
        """``queued`` -> ``running`` under a lease; None when another claim won (or not queued)."""
        claimed = self.claim_with(
            job_id, owner=owner, lease_seconds=lease_seconds, load=lambda conn, job: None
        )
        return None if claimed is None else claimed[0]

    def claim_with(
        self,
        job_id: str,
        *,
        owner: str,
        lease_seconds: float,
        load: Callable[[Connection, JobRecord], T],
    ) -> tuple[JobRecord, T] | None:
        """``claim``, and ``load`` what the job needs (its account) in the same transaction.

        One transaction instead of two on the worker's hot path: a connection checkout, a
        BEGIN and a COMMIT fewer per job.

        On PostgreSQL the claim commits without waiting for its WAL flush: losing a claim in a
        server crash is recovered like a killed worker (the job is queued again and re-run),
        and the crash would cost that re-run anyway, since the job's outcome could not have
        been recorded either. The outcome itself (``finish``) is always flushed.
        """
        now = self.clock.now()
        with self.db.write() as conn:
            if not self.db.is_sqlite:
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            row = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == JobStatus.QUEUED.value)
                .values(
                    status=JobStatus.RUNNING.value,
                    lease_owner=owner,
                    lease_expires_at=now + timedelta(seconds=lease_seconds),
                    started_at=func.coalesce(jobs.c.started_at, literal(now, UTCDateTime())),
                    due_at=None,
                    updated_at=now,
                )
                .returning(*jobs.c)
            ).first()
            if row is None:
                return None
            job = JobRecord.from_row(row)
            return job, load(conn, job)

    def renew_leases(self, job_ids: list[str], *, owner: str, lease_seconds: float) -> int:
        if not job_ids:
            return 0
        now = self.clock.now()
        with self.db.write() as conn:
            return conn.execute(
                update(jobs)
                .where(
                    jobs.c.id.in_(job_ids),
                    jobs.c.status == JobStatus.RUNNING.value,
                    jobs.c.lease_owner == owner,
                )
                .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
            ).rowcount

    def finish(
        self,
        job: JobRecord,
        *,
        status: JobStatus,
        history: list[dict[str, Any]],
        attempts: int,
        result: Any = None,
        error: dict[str, Any] | None = None,
    ) -> bool:
        """Record a terminal outcome; False if this worker no longer holds the job's lease."""
        assert status.is_terminal
        now = self.clock.now()
        return self._leave_running(
            job,
            status=status.value,
            result=result,
            error=error,
            history=history,
            attempts=attempts,
            finished_at=now,
            due_at=None,
            updated_at=now,
        )

    def defer(
        self,
        job: JobRecord,
        *,
        due_at: datetime,
        history: list[dict[str, Any]],
        attempts: int,
        rate_waits: int,
    ) -> bool:
        """``running`` -> ``retrying`` until ``due_at`` (the scheduler re-queues it then)."""
        return self._leave_running(
            job,
            status=JobStatus.RETRYING.value,
            due_at=due_at,
            history=history,
            attempts=attempts,
            rate_waits=rate_waits,
            updated_at=self.clock.now(),
        )

    def _leave_running(self, job: JobRecord, **values: Any) -> bool:
        """Move a running job on, only for the worker holding its lease (and release the lease)."""
        with self.db.write() as conn:
            result = conn.execute(
                update(jobs)
                .where(
                    jobs.c.id == job.id,
                    jobs.c.status == JobStatus.RUNNING.value,
                    jobs.c.lease_owner == job.lease_owner,
                )
                .values(lease_owner=None, lease_expires_at=None, **values)
            )
            return result.rowcount == 1

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

    def waiting(self, *, after: str | None, limit: int) -> list[tuple[str, datetime]]:
        """``scheduled``/``retrying`` jobs and their due times, paged by id (sweep)."""
        stmt = (
            select(jobs.c.id, jobs.c.due_at)
            .where(jobs.c.status.in_([JobStatus.SCHEDULED.value, JobStatus.RETRYING.value]))
            .order_by(jobs.c.id)
            .limit(limit)
        )
        if after:
            stmt = stmt.where(jobs.c.id > after)
        with self.db.read() as conn:
            return [(r.id, r.due_at or self.clock.now()) for r in conn.execute(stmt)]

    def queued_before(self, cutoff: datetime, *, after: str | None, limit: int) -> list[JobRecord]:
        """``queued`` jobs last touched before ``cutoff`` (candidates for a lost message)."""
        stmt = (
            select(jobs)
            .where(jobs.c.status == JobStatus.QUEUED.value, jobs.c.updated_at < cutoff)
            .order_by(jobs.c.id)
            .limit(limit)
        )
        if after:
            stmt = stmt.where(jobs.c.id > after)
        with self.db.read() as conn:
            return [JobRecord.from_row(r) for r in conn.execute(stmt)]

    def requeue_lapsed(self, *, limit: int = 500) -> list[JobRecord]:
        """``running`` jobs whose lease lapsed (a killed worker) -> ``queued`` again."""
        now = self.clock.now()
        with self.db.write() as conn:
            rows = conn.execute(
                select(jobs)
                .where(jobs.c.status == JobStatus.RUNNING.value, jobs.c.lease_expires_at < now)
                .limit(limit)
            ).all()
            requeued = []
            for row in rows:
                record = JobRecord.from_row(row)
                entry = {"at": now.isoformat(), "outcome": "lease_lapsed"}
                updated = conn.execute(
                    update(jobs)
                    .where(
                        jobs.c.id == record.id,
                        jobs.c.status == JobStatus.RUNNING.value,
                        jobs.c.lease_expires_at < now,
                    )
                    .values(
                        status=JobStatus.QUEUED.value,
                        lease_owner=None,
                        lease_expires_at=None,
                        attempts=record.attempts + 1,
                        history=[*record.history, entry],
                        updated_at=now,
                    )
                    .returning(*jobs.c)
                ).first()
                if updated is not None:
                    requeued.append(JobRecord.from_row(updated))
        return requeued

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
                .values(
                    status=JobStatus.FAILED.value,
                    error=error,
                    finished_at=now,
                    due_at=None,
                    updated_at=now,
                )
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
                .values(
                    status=JobStatus.CANCELLED.value,
                    error=CANCELLED_ERROR,
                    finished_at=now,
                    due_at=None,
                    updated_at=now,
                )
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
