"""Writes of one record run one at a time, in submission order; ready jobs are claimed in groups.

Several worker threads and processes take jobs at once, so two updates of one contact submitted
v1 then v2 could reach HubSpot v2 first (defect: v1..v5 ended at v4). The rule that fixes it is
one SQL predicate, part of every claim (``claimable``): a job whose ``record_key`` names a record
may start only when no earlier job (by ``created_at``, then id) of the same account and key is
unfinished (``queued``, ``retrying`` or ``running``). The check runs inside the claiming UPDATE,
so it holds across processes without a lock: an earlier job leaves the unfinished states only by
finishing, and a claim that saw it unfinished refuses. ``scheduled`` jobs do not hold later ones
back: their ``run_at`` is the order their submitter asked for.

A refused job stays ``queued`` without a message. The worker that finishes its predecessor sends
one (``next_in_line``); if that worker dies first, the sweep's lost-message pass re-sends it.

``claim_batch`` is the coalescing worker's claim (DESIGN.md section 12): the ready jobs of one
account and tool under the same lease rules, skipping any whose record is already taken.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    update,
)

from schemas.jobs import JobStatus
from store.jobs.record import JobRecord, JobTable
from store.models import jobs
from store.types import UTCDateTime

T = TypeVar("T")

#: The states in which a job still holds its record for the jobs submitted after it.
UNFINISHED = (JobStatus.QUEUED.value, JobStatus.RETRYING.value, JobStatus.RUNNING.value)


def claimable() -> ColumnElement[bool]:
    """No earlier unfinished job of the same account and record (always true without a key).

    Built once: an expression is immutable, and building its alias anew for every claim was a
    tenth of a worker's time per job (bench/README.md).
    """
    return _CLAIMABLE


def _claimable() -> ColumnElement[bool]:
    earlier = jobs.alias("earlier")
    return ~exists().where(
        earlier.c.account_id == jobs.c.account_id,
        earlier.c.record_key == jobs.c.record_key,
        earlier.c.status.in_(UNFINISHED),
        or_(
            earlier.c.created_at < jobs.c.created_at,
            and_(earlier.c.created_at == jobs.c.created_at, earlier.c.id < jobs.c.id),
        ),
    )


_CLAIMABLE = _claimable()


class BatchHead(Protocol):
    """What a batch claim needs of the job it is made for (a ``JobRecord``, or a message's
    ``ClaimHead``)."""

    @property
    def id(self) -> str: ...

    @property
    def account_id(self) -> str: ...

    @property
    def tool_name(self) -> str: ...


@dataclass(frozen=True)
class ClaimHead:
    """A job named by its message (ids only), for a claim that does not read its row first."""

    id: str
    account_id: str
    tool_name: str


class JobBatches(JobTable):
    def ready_count(self, account_id: str, tool_name: str, *, limit: int) -> int:
        """How many ``queued`` jobs of the account and tool there are, counting up to ``limit``.

        Cheap on purpose (the bulk lane polls it while it waits for a fuller batch): it does not
        apply the record rule, so it may count a job ``claim_batch`` would then skip.
        """
        ready = (
            select(jobs.c.id)
            .where(
                jobs.c.account_id == account_id,
                jobs.c.status == JobStatus.QUEUED.value,
                jobs.c.tool_name == tool_name,
            )
            .limit(limit)
        )
        with self.db.read() as conn:
            counted = conn.execute(select(func.count()).select_from(ready.subquery())).scalar()
        return int(counted or 0)

    def claim_batch(
        self,
        first: BatchHead,
        *,
        owner: str,
        lease_seconds: float,
        limit: int,
        prefer: Sequence[str] = (),
    ) -> list[JobRecord]:
        """``claim_batch_with`` loading nothing."""
        batch, _ = self.claim_batch_with(
            first,
            owner=owner,
            lease_seconds=lease_seconds,
            limit=limit,
            prefer=prefer,
            load=lambda conn: None,
        )
        return batch

    def claim_batch_with(
        self,
        first: BatchHead,
        *,
        owner: str,
        lease_seconds: float,
        limit: int,
        load: Callable[[Connection], T],
        prefer: Sequence[str] = (),
    ) -> tuple[list[JobRecord], T | None]:
        """Up to ``limit`` ready jobs of ``first``'s account and tool, claimed like ``claim``
        (``running``, each under its own lease): ``first`` ahead if it is still ready, then those
        of ``prefer`` (the other jobs of ``first``'s message), then the oldest.

        Preferring the message's own jobs keeps a submission's hundred in one call: taking the
        oldest first let a message's batch take another message's jobs and leave some of its
        own to go alone, one HubSpot call for one record (a 101st call in a 10,000-record run,
        which the full budget then made wait for the next window).

        The coalescing worker's claim (``worker.coalesce``): one message claims the whole batch,
        so concurrent messages of the same jobs find them taken and skip, instead of each
        claiming its own job and splitting the batch. A job whose record an earlier unfinished
        job holds is not ready, so no two jobs of a batch write the same record. On PostgreSQL,
        rows another claim has locked are skipped rather than waited for. ``load`` reads what
        the batch needs (its account) in the same transaction, when something was claimed.
        """
        if limit <= 0:
            return [], None
        now = self.clock.now()
        params = {
            "b_account": first.account_id,
            "b_tool": first.tool_name,
            "b_first": first.id,
            "b_prefer": list(prefer),
            "b_limit": limit,
        }
        with self.db.write() as conn:
            if not self.db.is_sqlite:
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                # One batch claim at a time per account and tool: concurrent messages of the
                # same backlog would otherwise each take a share of it (row by row, SKIP LOCKED)
                # and split one full call into several. SQLite serializes writes anyway.
                conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(_lock_key(first)))))
            ids = [r.id for r in conn.execute(_PICK_BATCH, params)]
            if not ids:
                return [], None
            claimed = JobRecord.from_result(
                conn.execute(
                    _CLAIM_PICKED,
                    {
                        "b_ids": ids,
                        **claim_params(owner, now + timedelta(seconds=lease_seconds), now),
                    },
                )
            )
            loaded = load(conn) if claimed else None
        batch = sorted(claimed, key=lambda j: (j.id != first.id, j.created_at, j.id))
        return batch, loaded

    def next_in_line(self, job: JobRecord) -> JobRecord | None:
        """The job now free to start on ``job``'s record (``job`` has finished), if any."""
        waiting = self.next_in_line_many([job])
        return waiting[0] if waiting else None

    def next_in_line_many(self, finished: list[JobRecord]) -> list[JobRecord]:
        """For each record of the ``finished`` jobs, the job now free to start on it.

        One query per account for a whole coalesced batch, not one per job (a batch's jobs never
        share a record, so each record has at most one job to wake).
        """
        keys: dict[str, set[str]] = {}
        for job in finished:
            if job.record_key is not None:
                keys.setdefault(job.account_id, set()).add(job.record_key)
        found: dict[tuple[str, str], JobRecord] = {}
        with self.db.read() as conn:
            for account_id, record_keys in keys.items():
                rows = conn.execute(
                    select(jobs)
                    .where(
                        jobs.c.account_id == account_id,
                        jobs.c.record_key.in_(sorted(record_keys)),
                        jobs.c.status == JobStatus.QUEUED.value,
                        claimable(),
                    )
                    .order_by(jobs.c.created_at, jobs.c.id)
                ).all()
                for row in rows:
                    found.setdefault((row.account_id, row.record_key), JobRecord.from_row(row))
        return list(found.values())


def _lock_key(job: BatchHead) -> str:
    return f"claim_batch:{job.account_id}:{job.tool_name}"


def running_params() -> dict[str, Any]:
    """The values a claim writes (shared by the single and the batch claim), as bound parameters
    (``b_owner``, ``b_until``, ``b_now``): execute the statement with ``claim_params``."""
    now = bindparam("b_now", type_=UTCDateTime())
    return {
        "status": JobStatus.RUNNING.value,
        "lease_owner": bindparam("b_owner"),
        "lease_expires_at": bindparam("b_until", type_=UTCDateTime()),
        "started_at": func.coalesce(jobs.c.started_at, now),
        "due_at": None,
        "updated_at": now,
    }


def claim_params(owner: str, lease_until: Any, now: Any) -> dict[str, Any]:
    return {"b_owner": owner, "b_until": lease_until, "b_now": now}


#: ``claim_batch``'s two statements, built once: building them (and their cache keys) for every
#: claim was a fifth of an interactive job's claim (py-spy on the worker, bench/README.md).
_PICK_BATCH = (
    select(jobs.c.id)
    .where(
        jobs.c.account_id == bindparam("b_account"),
        jobs.c.tool_name == bindparam("b_tool"),
        jobs.c.status == JobStatus.QUEUED.value,
        claimable(),
    )
    .order_by(
        case(
            (jobs.c.id == bindparam("b_first"), 0),
            (jobs.c.id.in_(bindparam("b_prefer", expanding=True)), 1),
            else_=2,
        ),
        jobs.c.created_at,
        jobs.c.id,
    )
    .limit(bindparam("b_limit", type_=Integer()))
    .with_for_update(skip_locked=True)
)
_CLAIM_PICKED = (
    update(jobs)
    .where(
        jobs.c.id.in_(bindparam("b_ids", expanding=True)),
        jobs.c.status == JobStatus.QUEUED.value,
    )
    .values(**running_params())
    .returning(*jobs.c)
)
