"""A job whose worker dies every time: re-queued, then failed ``worker_lost`` (defect 8)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from schemas.jobs import JobStatus
from store.accounts import AccountStore
from store.db import Database
from store.jobs import JobRecord, JobStore, NewJob
from tests.support.clock import FakeClock
from worker.decisions import LeaseLapses

START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _list_job(
    db: Database, store: JobStore, identifier: str, tool_input: dict[str, Any]
) -> JobRecord:
    """A contacts-list job of ``identifier``'s (new) account."""
    account = AccountStore(db=db).get_or_create(connection_name="hubspot", identifier=identifier)
    job, _ = store.create(
        NewJob(
            account_id=account.id,
            connection_name="hubspot",
            identifier=identifier,
            tool_name="hubspot_contacts_list",
            input=tool_input,
        )
    )
    return job


def test_a_job_that_kills_its_worker_ends_worker_lost(db: Database) -> None:
    """Lapses 1 and 2 re-queue (attempts and lapses counted); lapse 3 fails worker_lost."""
    clock = FakeClock(START)
    store = JobStore(db=db, clock=clock)
    job = _list_job(db, store, "u", {"limit": 1})
    verdict = LeaseLapses(max_lapses=3)
    for lapse in (1, 2):
        assert store.claim(job.id, owner=f"dies-{lapse}", lease_seconds=60) is not None
        clock.advance(59)
        assert store.settle_lapsed(verdict).requeued == []  # lease still live
        clock.advance(2)
        settled = store.settle_lapsed(verdict)
        assert [j.id for j in settled.requeued] == [job.id]
        assert settled.failed == []
        assert settled.requeued[0].lease_lapses == lapse
        assert settled.requeued[0].attempts == lapse
    assert store.claim(job.id, owner="dies-3", lease_seconds=60) is not None
    clock.advance(61)
    settled = store.settle_lapsed(verdict)
    assert settled.requeued == []
    assert [j.id for j in settled.failed] == [job.id]
    lost = store.get(job.id)
    assert lost is not None
    assert lost.status is JobStatus.FAILED
    assert lost.finished_at == clock.now()
    assert lost.lease_owner is None
    assert lost.error is not None
    assert lost.error["code"] == "worker_lost"
    assert lost.error["lease_lapses"] == 3
    assert [e["outcome"] for e in lost.history] == ["lease_lapsed", "lease_lapsed", "worker_lost"]
    assert store.settle_lapsed(verdict).failed == []  # settled once, not again


def test_requeue_lapsed_never_fails_a_job(db: Database) -> None:
    """The verdict-free form keeps re-queuing, whatever the count (callers that opt out)."""
    clock = FakeClock(START)
    store = JobStore(db=db, clock=clock)
    job = _list_job(db, store, "v", {})
    for lapse in range(1, 5):
        assert store.claim(job.id, owner="w", lease_seconds=1) is not None
        clock.advance(2)
        requeued = store.requeue_lapsed()
        assert [(j.id, j.lease_lapses) for j in requeued] == [(job.id, lapse)]
