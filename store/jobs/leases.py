"""The worker's side of the jobs table: claim a job under a lease, renew it, leave ``running``.

Every step is one conditional UPDATE: a claim only wins on a ``queued`` row, an outcome only lands
for the worker holding the lease, and a lapsed lease (a dead worker) is settled by the sweep,
which re-queues the job or, after too many lapses, fails it (``JobLeases.settle_lapsed``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, select, update

from schemas.jobs import HistoryOutcome, JobStatus
from store.jobs.order import claim_params, claimable, running_params
from store.jobs.record import JobRecord, JobTable, ended
from store.models import jobs

T = TypeVar("T")

#: Decides a lapsed job's fate: ``None`` re-queues it, an error dict fails it with that error.
LapseVerdict = Callable[[JobRecord], dict[str, Any] | None]


@dataclass
class LapsedLeases:
    """What one pass over lapsed leases did."""

    requeued: list[JobRecord] = field(default_factory=list)
    failed: list[JobRecord] = field(default_factory=list)


@dataclass(frozen=True)
class Finish:
    """One terminal outcome to record (``JobLeases.finish_many``)."""

    job: JobRecord
    status: JobStatus
    history: list[dict[str, Any]]
    attempts: int
    result: Any = None
    error: dict[str, Any] | None = None


class JobLeases(JobTable):
    def claim(self, job_id: str, *, owner: str, lease_seconds: float) -> JobRecord | None:
        """``queued`` -> ``running`` under a lease; None when another claim won, the job is not
        queued, or an earlier job of the same record is unfinished (``store.jobs.order``)."""
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
                _CLAIM_ONE,
                {
                    "b_id": job_id,
                    **claim_params(owner, now + timedelta(seconds=lease_seconds), now),
                },
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
        return self.finish_many([Finish(job, status, history, attempts, result, error)])[0]

    def finish_many(self, finishes: list[Finish]) -> list[bool]:
        """Record many terminal outcomes in one transaction (a coalesced batch's answers).

        Each lands only for the worker holding that job's lease, as ``finish`` would; one
        transaction (one commit, one flush) for the batch instead of one per job: per-job
        finishes were a quarter of the worker's samples in a bulk run (bench/README.md).
        """
        not_terminal = [f.status.value for f in finishes if not f.status.is_terminal]
        if not_terminal:
            raise ValueError(f"finish_many records terminal outcomes only, not {not_terminal}")
        now = self.clock.now()
        if len(finishes) == 1:  # one conditional UPDATE (the prebuilt one), as ever
            f = finishes[0]
            params = {"b_id": f.job.id, "b_owner": f.job.lease_owner, **_finish_params(f, now)}
            with self.db.write() as conn:
                return [conn.execute(_FINISH_HELD, params).rowcount == 1]
        owners = {f.job.id: f.job.lease_owner for f in finishes}
        with self.db.write() as conn:
            # Which leases this worker still holds, locked (SQLite: the write transaction is
            # the lock); then one statement, compiled once, executed for all of them: building
            # a hundred UPDATEs was most of a coalesced batch's own cost (bench/README.md).
            held = {
                row.id
                for row in conn.execute(
                    select(jobs.c.id, jobs.c.lease_owner)
                    .where(jobs.c.id.in_(list(owners)), jobs.c.status == JobStatus.RUNNING.value)
                    .with_for_update()
                )
                if row.lease_owner == owners[row.id]
            }
            rows = [
                {"b_id": f.job.id, "b_owner": f.job.lease_owner, **_finish_params(f, now)}
                for f in finishes
                if f.job.id in held
            ]
            if rows:
                conn.execute(_FINISH_HELD, rows)
        return [f.job.id in held for f in finishes]

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

    # -- lapsed leases (the sweep) --------------------------------------------------------

    def requeue_lapsed(self, *, limit: int = 500) -> list[JobRecord]:
        """``running`` jobs whose lease lapsed (a killed worker) -> ``queued`` again."""
        return self.settle_lapsed(lambda job: None, limit=limit).requeued

    def settle_lapsed(self, verdict: LapseVerdict, *, limit: int = 500) -> LapsedLeases:
        """Each ``running`` job whose lease lapsed: re-queued, or failed when ``verdict`` says so.

        Either way the lapse is counted on the row and recorded in its history, and it uses an
        attempt (the dead worker may have called HubSpot).
        """
        now = self.clock.now()
        settled = LapsedLeases()
        with self.db.write() as conn:
            rows = conn.execute(
                select(jobs)
                .where(jobs.c.status == JobStatus.RUNNING.value, jobs.c.lease_expires_at < now)
                .limit(limit)
            ).all()
            for row in rows:
                record = JobRecord.from_row(row)
                error = verdict(record)
                updated = self._settle_one(conn, record, error, now)
                if updated is not None:
                    (settled.requeued if error is None else settled.failed).append(updated)
        return settled

    @staticmethod
    def _settle_one(
        conn: Connection, record: JobRecord, error: dict[str, Any] | None, now: datetime
    ) -> JobRecord | None:
        entry: dict[str, Any] = {"at": now.isoformat(), "outcome": HistoryOutcome.LEASE_LAPSED}
        values: dict[str, Any] = {
            "status": JobStatus.QUEUED.value,
            "lease_owner": None,
            "lease_expires_at": None,
            "attempts": record.attempts + 1,
            "lease_lapses": record.lease_lapses + 1,
            "history": [*record.history, entry],
            "updated_at": now,
        }
        if error is not None:
            entry["outcome"] = error["code"]
            values.update(status=JobStatus.FAILED.value, error=error, finished_at=now)
        row = conn.execute(
            update(jobs)
            .where(
                jobs.c.id == record.id,
                jobs.c.status == JobStatus.RUNNING.value,
                jobs.c.lease_expires_at < now,
            )
            .values(**values)
            .returning(*jobs.c)
        ).first()
        return None if row is None else JobRecord.from_row(row)


def _finish_values(finish: Finish, now: datetime) -> dict[str, Any]:
    """The columns a terminal outcome writes (besides releasing the lease)."""
    return {
        "result": finish.result,
        "history": finish.history,
        "attempts": finish.attempts,
        **ended(finish.status, finish.error, now),
    }


def _finish_params(finish: Finish, now: datetime) -> dict[str, Any]:
    return {f"b_{name}": value for name, value in _finish_values(finish, now).items()}


#: ``finish_many``'s statement: the values of ``_finish_values`` as bound parameters.
_FINISH_HELD = (
    update(jobs)
    .where(
        jobs.c.id == bindparam("b_id"),
        jobs.c.status == JobStatus.RUNNING.value,
        jobs.c.lease_owner == bindparam("b_owner"),
    )
    .values(
        lease_owner=None,
        lease_expires_at=None,
        **{
            name: bindparam(f"b_{name}", type_=jobs.c[name].type)
            for name in (
                "status",
                "result",
                "error",
                "history",
                "attempts",
                "finished_at",
                "due_at",
                "updated_at",
            )
        },
    )
)


#: ``claim_with``'s statement, built once (its construction was most of a claim's cost).
_CLAIM_ONE = (
    update(jobs)
    .where(jobs.c.id == bindparam("b_id"), jobs.c.status == JobStatus.QUEUED.value, claimable())
    .values(**running_params())
    .returning(*jobs.c)
)
