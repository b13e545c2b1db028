"""``FinishedJobs``: what lets a coalescing worker skip the messages of jobs it finished without a
query, and what keeps it from skipping one that still has work to do."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from schemas.jobs import JobStatus
from worker.coalesce import Coalescer, FinishedJobs


def test_it_remembers_the_most_recent_ids_only() -> None:
    finished = FinishedJobs(limit=3)
    finished.add(["a", "b", "c"])
    finished.add(["d"])
    assert "a" not in finished
    assert all(i in finished for i in ("b", "c", "d"))
    finished.add(["b"])  # already known: nothing else is evicted
    assert all(i in finished for i in ("b", "c", "d"))


class _Jobs:
    """Counts the status reads; every job asked about is running (taken by a batch)."""

    def __init__(self) -> None:
        self.status_reads: list[str] = []

    def status_of(self, job_id: str) -> JobStatus:
        self.status_reads.append(job_id)
        return JobStatus.RUNNING

    def get(self, job_id: str) -> Any:  # pragma: no cover - a skipped message reads no row
        raise AssertionError("a skipped message must not read the whole row")


def test_a_finished_jobs_message_is_skipped_without_a_query() -> None:
    jobs = _Jobs()
    executor: Any = SimpleNamespace(jobs=jobs)
    coalescer = Coalescer(executor=executor, keeper=None)
    coalescer.finished.add(["job_done"])
    coalescer.run("job_done")
    assert jobs.status_reads == []
    coalescer.run("job_elsewhere")  # not finished here: SQL says it is taken
    assert jobs.status_reads == ["job_elsewhere"]
