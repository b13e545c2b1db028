"""``HandledJobs``: what lets a coalescing worker skip the messages of jobs its batches are
running or finished without a query, and what keeps it from skipping one with work to do."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from schemas.jobs import JobStatus, Lane
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


class _QueuedBulkJobs:
    """Every job asked about is a queued bulk job whose batch claim finds nothing (held back by
    an earlier write of its record); counts the ready-count polls of the wait for company."""

    def __init__(self) -> None:
        self.ready_polls: list[int] = []  # how many claims had been made at each poll
        self.claims: list[str] = []

    def status_of(self, job_id: str) -> JobStatus:
        return JobStatus.QUEUED

    def get(self, job_id: str) -> Any:
        return SimpleNamespace(
            id=job_id,
            status=JobStatus.QUEUED,
            lane=Lane.BULK,
            account_id="acct",
            tool_name="hubspot_contact_update",
        )

    def ready_count(self, account_id: str, tool: str, *, limit: int) -> int:
        self.ready_polls.append(len(self.claims))
        return 1

    def claim_batch_with(self, head: Any, **_: Any) -> tuple[list[Any], Any]:
        self.claims.append(head.id)
        return [], None


def test_a_group_message_waits_for_company_once_then_tries_each_of_its_jobs() -> None:
    """The jobs of one group message were submitted together: only the first waits for others
    to be ready; each is still tried (none is dropped because the first claimed nothing)."""
    jobs = _QueuedBulkJobs()
    executor: Any = SimpleNamespace(jobs=jobs, lease=SimpleNamespace(owner="w", seconds=60.0))
    coalescer = Coalescer(executor=executor, keeper=None, bulk_wait_s=0.02)
    coalescer.run_group(["first", "second", "third"])
    assert jobs.claims == ["first", "second", "third"]
    assert jobs.ready_polls
    assert set(jobs.ready_polls) == {0}  # every poll came before the first claim
    coalescer.run("fourth")  # a message of its own waits again
    assert jobs.ready_polls[-1] == 3


class _NoReads:
    """A store whose job reads must not happen; records the batch claims."""

    def __init__(self) -> None:
        self.claims: list[Any] = []

    def status_of(self, job_id: str) -> JobStatus:  # pragma: no cover - must not be called
        raise AssertionError("an interactive message naming its account reads no status")

    def get(self, job_id: str) -> Any:  # pragma: no cover - must not be called
        raise AssertionError("an interactive message naming its account reads no row")

    def claim_batch_with(self, head: Any, **_: Any) -> tuple[list[Any], Any]:
        self.claims.append(head)
        return [], None


def test_an_interactive_message_naming_its_account_claims_without_reading_the_job() -> None:
    jobs = _NoReads()
    executor: Any = SimpleNamespace(jobs=jobs, lease=SimpleNamespace(owner="w", seconds=60.0))
    coalescer = Coalescer(executor=executor, keeper=None)
    coalescer.run("job_1", account_id="acct_1", tool="hubspot_contact_create")
    [head] = jobs.claims
    assert (head.id, head.account_id, head.tool_name) == (
        "job_1",
        "acct_1",
        "hubspot_contact_create",
    )
