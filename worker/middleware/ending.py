"""How a job's attempt ended, handed from the executor to the middleware of the same message.

The executor runs inside Dramatiq's worker thread, between ``before_process_message`` and
``after_process_message``; an actor's return value is discarded (with a warning) without the
Results middleware, so the executor reports its ending here instead, in a context variable of
that thread, which ``JobContext`` resets before each message. A message that ran a coalesced
batch (``worker.coalesce``) reports one ending per job of the batch.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from schemas.jobs import JobStatus


@dataclass(frozen=True)
class JobEnd:
    """One attempt's ending as recorded in the job row (``landed``: this worker's write won)."""

    job_id: str
    status: JobStatus
    attempts: int
    landed: bool
    code: str | None = None
    #: For the metrics middleware: the tool, when the job was due (its ``run_at``, else its
    #: submission) and, for a wait, its kind (``throttled``, ``rate_limited``, ``retry``).
    tool: str = ""
    due_at: datetime | None = None
    wait_kind: str | None = None

    @property
    def finished(self) -> bool:
        """A terminal outcome this worker's write recorded: what waiters and webhooks are told."""
        return self.landed and self.status.is_terminal


_endings: ContextVar[tuple[JobEnd, ...]] = ContextVar("job_ends", default=())


def report_end(end: JobEnd) -> None:
    """Add an ending: one per job, several when the message ran a coalesced batch."""
    _endings.set((*_endings.get(), end))


def current_ends() -> tuple[JobEnd, ...]:
    """Every ending reported since the message started, in order."""
    return _endings.get()


def current_end() -> JobEnd | None:
    """The last ending reported (the message's own job, for a message that ran one)."""
    ends = _endings.get()
    return ends[-1] if ends else None


def reset_end() -> None:
    _endings.set(())
