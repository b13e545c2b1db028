"""Listing jobs for the operator's console: newest first, filtered by status, tool, identifier.

Apart from ``store.jobs`` (the transitions workers and the API make) because these are read-only
browsing queries with their own concerns: a bounded page, and filters that each map to an
indexed or selective column. Job rows can be large (inputs, results), so the console asks for a
page of at most ``MAX_LIMIT``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from schemas.jobs import JobStatus
from store.db import Database
from store.jobs import JobRecord
from store.models import jobs

#: Most jobs one listing returns.
MAX_LIMIT = 200


@dataclass(frozen=True)
class JobFilter:
    """Empty fields do not filter."""

    status: JobStatus | None = None
    tool_name: str | None = None
    identifier: str | None = None


class JobQueries:
    def __init__(self, *, db: Database) -> None:
        self.db = db

    def recent(self, wanted: JobFilter, *, limit: int = 50) -> list[JobRecord]:
        """The newest jobs matching ``wanted`` (created last first)."""
        stmt = select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id.desc())
        stmt = stmt.limit(max(1, min(limit, MAX_LIMIT)))
        if wanted.status is not None:
            stmt = stmt.where(jobs.c.status == wanted.status.value)
        if wanted.tool_name:
            stmt = stmt.where(jobs.c.tool_name == wanted.tool_name)
        if wanted.identifier:
            stmt = stmt.where(jobs.c.identifier == wanted.identifier)
        with self.db.read() as conn:
            return [JobRecord.from_row(r) for r in conn.execute(stmt)]

    def count_by_status(self) -> dict[JobStatus, int]:
        """How many jobs are in each status (statuses without jobs are left out)."""
        stmt = select(jobs.c.status, func.count()).group_by(jobs.c.status)
        with self.db.read() as conn:
            return {JobStatus(status): int(n) for status, n in conn.execute(stmt)}
