"""Job contracts: statuses, lanes, the submit request and the job view (DESIGN.md s6)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.accounts import HUBSPOT_CONNECTION, IDENTIFIER_PATTERN


class JobStatus(StrEnum):
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
#: Statuses that wait in the job schedule (a Redis sorted set) for their due time.
WAITING_STATUSES = frozenset({JobStatus.SCHEDULED, JobStatus.RETRYING})


class HistoryOutcome(StrEnum):
    """The ``outcome`` of a history entry that did not end the job, and of a success.

    An attempt that failed the job records the error's stable code instead (``hubspot_error``,
    ``worker_lost``, ...), so an agent reads one vocabulary in ``error.code`` and ``history``.
    """

    SUCCEEDED = "succeeded"
    RETRY = "retry"  # a transient failure (5xx, timeout before sending): uses an attempt
    OUTCOME_UNKNOWN = "outcome_unknown"  # sent, no answer; retried (the tool allows it)
    RATE_LIMITED = "rate_limited"  # HubSpot answered 429: one of the bounded rate waits
    THROTTLED = "throttled"  # our own per-portal budget booked a later slot: free
    LEASE_LAPSED = "lease_lapsed"  # the worker died mid-attempt; the sweep re-queued the job


#: History outcomes after which a create may have landed at HubSpot without us knowing.
UNKNOWN_OUTCOMES = frozenset({HistoryOutcome.OUTCOME_UNKNOWN, HistoryOutcome.LEASE_LAPSED})


class Lane(StrEnum):
    """``interactive`` jobs (an agent is waiting) go before ``bulk`` ones."""

    INTERACTIVE = "interactive"
    BULK = "bulk"


#: Largest accepted ``tool_input``, serialised (DESIGN.md s6).
MAX_TOOL_INPUT_BYTES = 64 * 1024
#: Largest stored result; a bigger HubSpot answer fails the job rather than bloating the store.
MAX_RESULT_BYTES = 2 * 1024 * 1024
#: Largest accepted job ``metadata`` (compact JSON, UTF-8), DESIGN.md s6.
MAX_METADATA_BYTES = 4 * 1024


def check_metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """A JSON object of at most ``MAX_METADATA_BYTES`` with no NUL in any key or string.

    Metadata is the caller's own (a conversation id, a trace id) and is echoed in the job view
    and in every webhook event of the job, so it is kept small; NUL bytes are refused because
    PostgreSQL's JSONB cannot store them.
    """
    if value is None:
        return None
    if _has_nul(value):
        raise ValueError("must not contain NUL characters")
    encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    size = len(encoded.encode())
    if size > MAX_METADATA_BYTES:
        raise ValueError(f"must be at most {MAX_METADATA_BYTES} bytes as JSON (got {size})")
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


#: Furthest ahead a ``run_at`` may be (DESIGN.md s6): later is a mistake, not a schedule.
MAX_RUN_AT_AHEAD = timedelta(days=366)


class SubmitJob(BaseModel):
    """``POST /v1/jobs`` body."""

    model_config = ConfigDict(extra="forbid")

    identifier: str = Field(pattern=IDENTIFIER_PATTERN)
    connection_name: str = HUBSPOT_CONNECTION
    tool_name: str = Field(min_length=1, max_length=100)
    tool_input: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=255)
    run_at: datetime | None = None
    lane: Lane = Lane.INTERACTIVE
    metadata: dict[str, Any] | None = None

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return check_metadata(value)

    @field_validator("run_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """ISO 8601 without an offset means UTC (DESIGN.md s6); stored and compared in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00:00+14:00 is before the first representable UTC
            raise ValueError("run_at is out of range") from None


class HistoryEntry(BaseModel):
    """One attempt (or one wait) of a job."""

    at: datetime
    outcome: str
    http_status: int | None = None
    category: str | None = None
    delay_s: float | None = None
    #: The attempt was one item of a coalesced HubSpot batch call of this many (DESIGN.md s12).
    batch_size: int | None = None


class HubSpotErrorInfo(BaseModel):
    status: int | None = None
    category: str | None = None
    correlation_id: str | None = None


class JobError(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    retryable: bool = False
    reauth_link: str | None = None
    hubspot: HubSpotErrorInfo | None = None


class JobView(BaseModel):
    id: str
    identifier: str
    connection_name: str
    tool_name: str
    lane: Lane
    status: JobStatus
    attempts: int
    history: list[HistoryEntry]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    run_at: datetime | None
    result: Any = None
    error: JobError | None = None
    metadata: dict[str, Any] | None = None
