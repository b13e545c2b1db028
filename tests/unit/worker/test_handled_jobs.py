"""``HandledJobs``: what lets a coalescing worker skip the messages of jobs its batches are
running or finished without a query, and what keeps it from skipping one with work to do."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from schemas.jobs import JobStatus
from worker.coalesce import Coalescer, HandledJobs


def test_it_remembers_the_most_recent_finished_ids_only() -> None:
    handled = HandledJobs(limit=3)
    handled.finished(["a", "b", "c"])
    handled.finished(["d"])
    assert "a" not in handled
    assert all(i in handled for i in ("b", "c", "d"))
    handled.finished(["b"])  # already known: nothing else is evicted
    assert all(i in handled for i in ("b", "c", "d"))


def test_running_jobs_are_known_until_their_batch_ends() -> None:
    """Counted, like the lease keeper: two batches holding one id (a retry inside a batch)."""
    handled = HandledJobs()
    with handled.running(["x", "y"]):
        assert "x" in handled
        with handled.running(["x"]):
            pass
        assert "x" in handled
    assert "x" not in handled  # it went on waiting, say: its next message must find it
    assert "y" not in handled


class _Jobs:
    """Counts the status reads; every job asked about is running (taken by a batch)."""

    def __init__(self) -> None:
        self.status_reads: list[str] = []

    def status_of(self, job_id: str) -> JobStatus:
        self.status_reads.append(job_id)
        return JobStatus.RUNNING

    def get(self, job_id: str) -> Any:  # pragma: no cover - a skipped message reads no row
        raise AssertionError("a skipped message must not read the whole row")


def test_a_handled_jobs_message_is_skipped_without_a_query() -> None:
    jobs = _Jobs()
    executor: Any = SimpleNamespace(jobs=jobs)
    coalescer = Coalescer(executor=executor, keeper=None)
    coalescer.handled.finished(["job_done"])
    coalescer.run("job_done")
    with coalescer.handled.running(["job_running"]):
        coalescer.run("job_running")
    assert jobs.status_reads == []
    coalescer.run("job_elsewhere")  # not handled here: SQL says it is taken
    assert jobs.status_reads == ["job_elsewhere"]
