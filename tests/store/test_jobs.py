"""The jobs table: creation, idempotency, claims, leases, outcomes, sweeps, on both databases."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import IdempotencyConflict, JobConflict, JobNotFound
from schemas.jobs import JobStatus
from store.accounts import AccountStore
from store.db import Database
from store.jobs import JobStore, NewJob

_emails = itertools.count(1)


def _new(account_id: str, **kw: object) -> NewJob:
    # A new email each time: two creates of one email would run one after the other
    # (store.jobs.order), which is not what these tests are about.
    values: dict[str, object] = {
        "account_id": account_id,
        "connection_name": "hubspot",
        "identifier": "user_1",
        "tool_name": "hubspot_contact_create",
        "input": {"email": f"a{next(_emails)}@b.co"},
    }
    values.update(kw)
    return NewJob(**values)  # type: ignore[arg-type]


@pytest.fixture
def account_id(db: Database) -> str:
    return AccountStore(db=db).get_or_create(connection_name="hubspot", identifier="user_1").id


def test_status_of_follows_the_row(db: Database, account_id: str) -> None:
    """The status-only read says what a full read would, and None for an unknown id."""
    store = JobStore(db=db)
    job, _ = store.create(_new(account_id))
    assert store.status_of(job.id) is JobStatus.QUEUED
    assert store.claim(job.id, owner="w", lease_seconds=30) is not None
    assert store.status_of(job.id) is JobStatus.RUNNING
    assert store.status_of("job_unknown") is None


def test_create_queued_and_scheduled(db: Database, account_id: str) -> None:
    """A job is queued, or scheduled (with its due time) when run_at is in the future."""
    store = JobStore(db=db)
    now_job, created = store.create(_new(account_id))
    assert created
    assert now_job.status is JobStatus.QUEUED
    later = datetime.now(UTC) + timedelta(hours=1)
    sched, _ = store.create(_new(account_id, run_at=later))
    assert sched.status is JobStatus.SCHEDULED
    assert sched.due_at is not None
    assert abs((sched.due_at - later).total_seconds()) < 0.01


def test_idempotency_same_payload_same_job(db: Database, account_id: str) -> None:
    """The same key and payload give back the first job; another payload is a conflict."""
    store = JobStore(db=db)
    same = {"email": "a@b.co"}
    first, created = store.create(_new(account_id, idempotency_key="k1", input=same))
    again, created_again = store.create(_new(account_id, idempotency_key="k1", input=same))
    assert created
    assert not created_again
    assert again.id == first.id
    with pytest.raises(IdempotencyConflict):
        store.create(_new(account_id, idempotency_key="k1", input={"email": "other@b.co"}))


def test_only_one_claim_wins(db: Database, account_id: str) -> None:
    """Eight workers claiming the same job at once: exactly one gets it."""
    store = JobStore(db=db)
    job, _ = store.create(_new(account_id))
    wins: list[str] = []
    barrier = threading.Barrier(8)

    def claim(n: int) -> None:
        barrier.wait()
        if store.claim(job.id, owner=f"w{n}", lease_seconds=30) is not None:
            wins.append(f"w{n}")

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    claimed = store.get(job.id)
    assert claimed is not None
    assert claimed.status is JobStatus.RUNNING
    assert claimed.lease_owner == wins[0]


def test_finish_requires_the_lease(db: Database, account_id: str) -> None:
    """An outcome lands only for the lease holder; a stale worker's write is refused."""
    store = JobStore(db=db)
    job, _ = store.create(_new(account_id))
    claimed = store.claim(job.id, owner="w1", lease_seconds=30)
    assert claimed is not None
    assert store.finish(
        claimed,
        status=JobStatus.SUCCEEDED,
        history=[{"at": "x", "outcome": "succeeded"}],
        attempts=1,
        result={"id": "1"},
    )
    assert not store.finish(claimed, status=JobStatus.FAILED, history=[], attempts=2)
    done = store.get(job.id)
    assert done is not None
    assert done.status is JobStatus.SUCCEEDED
    assert done.result == {"id": "1"}


def test_defer_and_promote(db: Database, account_id: str) -> None:
    """A deferred job waits as retrying, then the scheduler's promotion queues it again."""
    store = JobStore(db=db)
    job, _ = store.create(_new(account_id))
    claimed = store.claim(job.id, owner="w1", lease_seconds=30)
    assert claimed is not None
    due = datetime.now(UTC) - timedelta(seconds=1)
    assert store.defer(claimed, due_at=due, history=[], attempts=1, rate_waits=0)
    assert store.get(job.id).status is JobStatus.RETRYING  # type: ignore[union-attr]
    assert [job_id for job_id, _ in store.waiting(after=None, limit=10)] == [job.id]
    promoted = store.promote_due([job.id])
    assert [p.id for p in promoted] == [job.id]
    assert promoted[0].status is JobStatus.QUEUED


def test_lapsed_lease_is_requeued(db: Database, account_id: str) -> None:
    """A running job whose lease lapsed goes back to queued with an attempt recorded."""
    store = JobStore(db=db)
    job, _ = store.create(_new(account_id))
    assert store.claim(job.id, owner="dead", lease_seconds=0.01) is not None
    import time

    time.sleep(0.05)
    requeued = store.requeue_lapsed()
    assert [j.id for j in requeued] == [job.id]
    assert requeued[0].status is JobStatus.QUEUED
    assert requeued[0].attempts == 1
    assert requeued[0].history[-1]["outcome"] == "lease_lapsed"


def test_cancel(db: Database, account_id: str) -> None:
    """Queued jobs cancel; running ones conflict; unknown ones are not found."""
    store = JobStore(db=db)
    job, _ = store.create(_new(account_id))
    cancelled = store.cancel(job.id)
    assert cancelled.status is JobStatus.CANCELLED
    assert cancelled.error is not None
    assert cancelled.error["code"] == "cancelled"
    running, _ = store.create(_new(account_id))
    store.claim(running.id, owner="w", lease_seconds=30)
    with pytest.raises(JobConflict):
        store.cancel(running.id)
    with pytest.raises(JobNotFound):
        store.cancel("job_nope")


def test_fail_waiting_for_account(db: Database, account_id: str) -> None:
    """Revocation fails the account's queued and retrying jobs, not running or scheduled ones."""
    store = JobStore(db=db)
    queued, _ = store.create(_new(account_id))
    running, _ = store.create(_new(account_id))
    store.claim(running.id, owner="w", lease_seconds=30)
    later, _ = store.create(_new(account_id, run_at=datetime.now(UTC) + timedelta(hours=1)))
    failed = store.fail_waiting_for_account(
        account_id, error={"code": "account_revoked", "message": "x", "retryable": False}
    )
    assert failed == [queued.id]
    assert store.get(queued.id).status is JobStatus.FAILED  # type: ignore[union-attr]
    assert store.get(running.id).status is JobStatus.RUNNING  # type: ignore[union-attr]
    assert store.get(later.id).status is JobStatus.SCHEDULED  # type: ignore[union-attr]


def test_purge_finished(db: Database, account_id: str) -> None:
    """Finished jobs older than retention are deleted, and their idempotency keys with them."""
    store = JobStore(db=db)
    job, _ = store.create(_new(account_id, idempotency_key="k"))
    store.cancel(job.id)
    assert store.purge_finished(datetime.now(UTC) + timedelta(seconds=1)) == 1
    again, created = store.create(_new(account_id, idempotency_key="k"))
    assert created
    assert again.id != job.id
