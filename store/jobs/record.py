"""What a job row is, in Python: the record every reader gets, and what a submit inserts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Result, Row

from core.clock import Clock
from core.ids import new_id
from schemas.jobs import JobStatus, Lane
from store.db import Database

#: How long past its start (or ``run_at``) a job may keep retrying (DESIGN.md s7).
JOB_DEADLINE = timedelta(hours=1)

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
    #: How many times the job's worker died while running it (the sweep counts lapsed leases).
    lease_lapses: int = 0
    metadata: dict[str, Any] | None = None
    #: The record the job writes, if any (``schemas.tools.coalescing.record_key``).
    record_key: str | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> JobRecord:
        return cls._from_mapping(dict(row._mapping))

    @classmethod
    def from_result(cls, result: Result[Any]) -> list[JobRecord]:
        """Every row of ``result``, its column names read once: a row's own mapping builds a
        key view per row, a tenth of the web's time on a poll of 100 jobs (bench/README.md)."""
        keys = tuple(result.keys())
        return [cls._from_mapping(dict(zip(keys, row, strict=True))) for row in result]

    @classmethod
    def _from_mapping(cls, m: dict[str, Any]) -> JobRecord:
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


class JobTable:
    """What every part of the job store stands on: the database and the clock."""

    def __init__(self, *, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock


def ended(status: JobStatus, error: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    """The columns every end of a job sets (a worker's outcome, a cancel, a revocation): its
    final status and error, when it finished, and that it is due no more."""
    return {
        "status": status.value,
        "error": error,
        "finished_at": now,
        "due_at": None,
        "updated_at": now,
    }
