"""``JobSummary``: one INFO line per job, or one per coalesced batch (failures kept at INFO)."""

from __future__ import annotations

from typing import Any

import structlog
from structlog.testing import capture_logs

from schemas.jobs import JobStatus
from worker.middleware.ending import JobEnd, report_end, reset_end
from worker.middleware.metrics import JobSummary


def _run(ends: list[JobEnd]) -> list[dict[str, Any]]:
    summary = JobSummary()
    message: Any = object()
    structlog.contextvars.clear_contextvars()
    reset_end()
    summary.before_process_message(None, message)  # type: ignore[arg-type]
    for end in ends:
        report_end(end)
    with capture_logs() as logs:
        summary.after_process_message(None, message)  # type: ignore[arg-type]
    reset_end()
    return [dict(e) for e in logs]


def _lines(logs: list[dict[str, Any]], level: str) -> list[tuple[str, str | None]]:
    return [(e["event"], e.get("job_id")) for e in logs if e["log_level"] == level]


def test_a_single_job_logs_its_line_at_info() -> None:
    logs = _run([JobEnd("job_1", JobStatus.SUCCEEDED, 1, True)])
    assert _lines(logs, "info") == [("job.finished", "job_1")]


def test_a_batch_logs_one_info_summary_and_its_failures() -> None:
    logs = _run(
        [
            JobEnd("job_1", JobStatus.SUCCEEDED, 1, True),
            JobEnd("job_2", JobStatus.FAILED, 1, True, code="invalid_property_value"),
            JobEnd("job_3", JobStatus.SUCCEEDED, 1, True),
            JobEnd("job_4", JobStatus.SUCCEEDED, 1, False),  # lost its lease: warned about
            JobEnd("job_5", JobStatus.RETRYING, 1, True, wait_kind="throttled"),  # not an end
        ]
    )
    assert _lines(logs, "info") == [("job.finished", "job_2"), ("batch.finished", None)]
    assert _lines(logs, "debug") == [("job.finished", "job_1"), ("job.finished", "job_3")]
    assert _lines(logs, "warning") == [("job.lease_lost", "job_4")]
    [batch] = [e for e in logs if e["event"] == "batch.finished"]
    assert batch["batch_size"] == 5
    assert batch["outcomes"] == {"succeeded": 2, "invalid_property_value": 1}
