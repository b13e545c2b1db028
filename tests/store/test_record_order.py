"""One record's writes start one at a time in submission order; batch claims of ready jobs."""

from __future__ import annotations

from typing import Any

import pytest

from schemas.jobs import JobStatus
from store.accounts import AccountStore
from store.db import Database
from store.jobs import JobRecord, JobStore, NewJob

UPDATE = "hubspot_contact_update"


def _new(account_id: str, tool: str, tool_input: dict[str, Any]) -> NewJob:
    return NewJob(
        account_id=account_id,
        connection_name="hubspot",
        identifier="user_1",
        tool_name=tool,
        input=tool_input,
    )


def _update(store: JobStore, account_id: str, contact: str, value: str) -> JobRecord:
    job, _ = store.create(_new(account_id, UPDATE, {"contact_id": contact, "firstname": value}))
    return job


@pytest.fixture
def account_id(db: Database) -> str:
    return AccountStore(db=db).get_or_create(connection_name="hubspot", identifier="user_1").id


def _finish(store: JobStore, job: JobRecord) -> None:
    assert store.finish(job, status=JobStatus.SUCCEEDED, history=[], attempts=1, result={})


def test_a_later_write_of_a_record_waits_for_the_earlier_one(db: Database, account_id: str) -> None:
    """v2 of a contact cannot be claimed while v1 is queued or running; after v1, it can."""
    store = JobStore(db=db)
    v1 = _update(store, account_id, "101", "v1")
    v2 = _update(store, account_id, "101", "v2")
    assert v1.record_key == v2.record_key == "contacts:101"
    assert store.claim(v2.id, owner="w", lease_seconds=30) is None
    running = store.claim(v1.id, owner="w", lease_seconds=30)
    assert running is not None
    assert store.claim(v2.id, owner="w", lease_seconds=30) is None
    assert store.next_in_line(running) is None  # v1 is still unfinished
    _finish(store, running)
    assert store.next_in_line(running) == store.get(v2.id)
    assert store.claim(v2.id, owner="w", lease_seconds=30) is not None


def test_other_records_and_reads_are_not_held_back(db: Database, account_id: str) -> None:
    """Only the same account and record wait: another contact, or a read, starts at once."""
    store = JobStore(db=db)
    _update(store, account_id, "101", "v1")
    other = _update(store, account_id, "102", "v1")
    read, _ = store.create(_new(account_id, "hubspot_contact_get", {"contact_id": "101"}))
    assert read.record_key is None
    assert store.claim(other.id, owner="w", lease_seconds=30) is not None
    assert store.claim(read.id, owner="w", lease_seconds=30) is not None


def test_a_create_and_an_update_by_email_share_the_record(db: Database, account_id: str) -> None:
    """A contact create and a later update by the same email (any case) run in order."""
    store = JobStore(db=db)
    create, _ = store.create(
        _new(account_id, "hubspot_contact_create", {"email": "Jane@Example.com"})
    )
    update = _update(store, account_id, "jane@example.com", "v2")
    assert create.record_key == update.record_key == "contacts:jane@example.com"
    assert store.claim(update.id, owner="w", lease_seconds=30) is None


def test_claim_batch_takes_ready_jobs_oldest_first_and_skips_taken_records(
    db: Database, account_id: str
) -> None:
    """The batch claim takes the given job first, then the oldest ready ones, never two writes
    of one record, nor a record an unfinished earlier job holds."""
    store = JobStore(db=db)
    held = _update(store, account_id, "1", "a")
    behind_held = _update(store, account_id, "1", "b")
    others = [_update(store, account_id, str(n), "x") for n in range(2, 6)]
    twice = _update(store, account_id, "2", "again")
    assert store.claim(held.id, owner="w", lease_seconds=30) is not None
    batch = store.claim_batch(others[2], owner="w", lease_seconds=30, limit=3)
    assert [j.id for j in batch] == [others[2].id, others[0].id, others[1].id]
    assert all(j.status is JobStatus.RUNNING and j.lease_owner == "w" for j in batch)
    rest = store.claim_batch(others[2], owner="w", lease_seconds=30, limit=10)
    assert [j.id for j in rest] == [others[3].id]
    assert store.get(behind_held.id).status is JobStatus.QUEUED  # type: ignore[union-attr]
    assert store.get(twice.id).status is JobStatus.QUEUED  # type: ignore[union-attr]


def test_claim_batch_takes_its_messages_own_jobs_before_older_ones(
    db: Database, account_id: str
) -> None:
    """A group message's batch: its first job, then the others it names, then the oldest; so a
    submission's jobs go in one call rather than one message taking another's."""
    store = JobStore(db=db)
    older = [_update(store, account_id, str(n), "old") for n in range(10, 13)]
    group = [_update(store, account_id, str(n), "new") for n in range(20, 24)]
    prefer = [j.id for j in group]
    batch = store.claim_batch(group[0], owner="w", lease_seconds=30, limit=5, prefer=prefer)
    assert {j.id for j in batch} == {*prefer, older[0].id}


def test_claim_batch_stays_within_the_account_and_tool(db: Database, account_id: str) -> None:
    """Jobs of another tool or another account are not coalesced with the given one."""
    store = JobStore(db=db)
    other_account = (
        AccountStore(db=db).get_or_create(connection_name="hubspot", identifier="user_2").id
    )
    first = _update(store, account_id, "1", "a")
    _update(store, other_account, "2", "a")
    store.create(_new(account_id, "hubspot_deal_update", {"deal_id": "3", "amount": "1"}))
    assert store.ready_count(account_id, UPDATE, limit=100) == 1
    claimed = store.claim_batch(first, owner="w", lease_seconds=30, limit=99)
    assert [j.id for j in claimed] == [first.id]
    assert store.ready_count(account_id, UPDATE, limit=100) == 0
    assert store.ready_count(account_id, "hubspot_deal_update", limit=100) == 1
