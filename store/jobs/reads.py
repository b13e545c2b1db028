"""Reads of the jobs table: a job by id for callers that poll, and the sweep's pages of work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select

from schemas.jobs import JobStatus
from store.jobs.record import JobRecord, JobTable
from store.models import jobs
from store.sql import row_by_id


class JobReads(JobTable):
    def get(self, job_id: str) -> JobRecord | None:
        with self.db.read() as conn:
            row = row_by_id(conn, jobs, job_id)
        return None if row is None else JobRecord.from_row(row)

    def status_of(self, job_id: str) -> JobStatus | None:
        """The job's status alone (None: no such job): the cheap check before a full read."""
        with self.db.read() as conn:
            status = conn.execute(_STATUS_OF, {"b_id": job_id}).scalar()
        return None if status is None else JobStatus(status)

    def get_many(self, job_ids: list[str]) -> list[JobRecord]:
        """Jobs in the order asked for; unknown ids are left out."""
        with self.db.read() as conn:
            found = JobRecord.from_result(conn.execute(_GET_MANY, {"b_ids": job_ids}))
        by_id = {job.id: job for job in found}
        return [by_id[i] for i in job_ids if i in by_id]

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
            return JobRecord.from_result(conn.execute(stmt))


#: ``status_of``'s statement, built once: it runs for most messages of a bulk backlog.
_STATUS_OF = select(jobs.c.status).where(jobs.c.id == bindparam("b_id"))


#: ``get_many``'s statement, built once.
_GET_MANY = select(jobs).where(jobs.c.id.in_(bindparam("b_ids", expanding=True)))
