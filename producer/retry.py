"""Re-submitting a failed job as a new job (``POST /v1/jobs/{id}/retry``, the console's button).

A retry is a fresh submission of the same identifier, tool, input and lane, not a resurrection of
the old row: the failed job keeps its history and error (what happened stays true), and the new
one goes through every check of a submission (the account may have been revoked since, or lost a
scope), so a retry can be refused exactly as a submission would. It carries no idempotency key:
each retry is a deliberate new attempt, and the old key stays bound to the old job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import JobConflict
from schemas.jobs import JobStatus, SubmitJob
from store.jobs import JobRecord

if TYPE_CHECKING:
    from producer.jobs import JobService


def retry_failed(jobs: JobService, job_id: str) -> JobRecord:
    """The new job; ``JobNotFound`` for an unknown id, ``JobConflict`` unless it ``failed``."""
    old = jobs.get(job_id)
    if old.status is not JobStatus.FAILED:
        raise JobConflict(f"job {job_id} is {old.status.value}; only a failed job can be retried")
    request = SubmitJob(
        identifier=old.identifier,
        connection_name=old.connection_name,
        tool_name=old.tool_name,
        tool_input=old.input,
        lane=old.lane,
    )
    return jobs.submit(request).job
