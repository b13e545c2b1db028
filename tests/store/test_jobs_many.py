"""The batch forms of the jobs table's writes: create_many, finish_many, next_in_line_many.

They exist for speed (one statement or one transaction for a batch), so what they must show is
that each item still ends exactly as the one-at-a-time form would, on both databases.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from core.errors import IdempotencyConflict
from schemas.jobs import JobStatus, Lane
from store.accounts import AccountStore
from store.db import Database
from store.jobs import Finish, JobRecord, JobStore, NewJob
from store.models import jobs as jobs_table

UPDATE = "hubspot_contact_update"


@pytest.fixture
def account_id(db: Database) -> str:
    return AccountStore(db=db).get_or_create(connection_name="hubspot", identifier="user_1").id


def _new(account_id: str, contact: str, value: str, key: str | None = None) -> NewJob:
    tool_input: dict[str, Any] = {"contact_id": contact, "firstname": value}
    return NewJob(
        account_id=account_id,
        connection_name="hubspot",
        identifier="user_1",
        tool_name=UPDATE,
        input=tool_input,
        idempotency_key=key,
    )


def test_create_many_inserts_each_and_resolves_idempotency_per_item(
    db: Database, account_id: str
) -> None:
    """New rows come back created; a key used before (earlier, or earlier in the same batch)
    answers that job, uncreated; the same key with another payload is that item's conflict."""
    store = JobStore(db=db)
    earlier, _ = store.create(_new(account_id, "1", "a", key="k-old"))
    news = [
        _new(account_id, "2", "b"),
        _new(account_id, "1", "a", key="k-old"),  # same payload as before: that job
        _new(account_id, "3", "c", key="k-new"),
        _new(account_id, "3", "c", key="k-new"),  # repeated within the batch: the first one
        _new(account_id, "4", "d", key="k-old"),  # another payload under a used key
        _new(account_id, "5", "e"),
    ]
    out = store.create_many(news)
    seen = [
        ("conflict", o.details["job_id"]) if isinstance(o, IdempotencyConflict) else (o[1], o[0].id)
        for o in out
    ]
    assert seen == [
        (True, news[0].id),
        (False, earlier.id),
        (True, news[2].id),
        (False, news[2].id),
        ("conflict", earlier.id),
        (True, news[5].id),
    ]
    created = out[0]
    assert isinstance(created, tuple)
    assert created[0].status is JobStatus.QUEUED
    assert created[0].record_key == "contacts:2"
    assert store.get(news[5].id) == out[5][0]  # type: ignore[index]
    assert store.get(news[3].id) is None
    assert store.get(news[4].id) is None
    assert store.create_many([]) == []


def test_finish_many_lands_only_where_the_lease_is_held(db: Database, account_id: str) -> None:
    """Each outcome lands for the lease holder only, like ``finish``; one lost lease does not
    keep the others from landing."""
    store = JobStore(db=db)
    jobs = [store.create(_new(account_id, str(n), "v"))[0] for n in range(3)]
    claimed = [store.claim(j.id, owner="w1", lease_seconds=30) for j in jobs]
    assert all(c is not None for c in claimed)
    running: list[JobRecord] = [c for c in claimed if c is not None]
    with db.write() as conn:  # job 1's lease lapsed and another worker holds it now
        conn.execute(
            update(jobs_table).where(jobs_table.c.id == running[1].id).values(lease_owner="w2")
        )
    landed = store.finish_many(
        [
            Finish(j, JobStatus.SUCCEEDED, [{"outcome": "succeeded"}], 1, {"n": i})
            for i, j in enumerate(running)
        ]
    )
    assert landed == [True, False, True]
    after = [store.get(j.id) for j in running]
    assert [a.status if a else None for a in after] == [
        JobStatus.SUCCEEDED,
        JobStatus.RUNNING,
        JobStatus.SUCCEEDED,
    ]
    assert after[0] is not None
    assert after[0].result == {"n": 0}
    assert after[0].lease_owner is None
    with pytest.raises(ValueError, match="terminal"):
        store.finish_many([Finish(running[1], JobStatus.RETRYING, [], 1)])


def test_next_in_line_many_names_the_oldest_waiting_write_of_each_record(
    db: Database, account_id: str
) -> None:
    """Per record, the oldest queued job behind the finished one; records with nobody waiting
    and other accounts' jobs are not named."""
    store = JobStore(db=db)
    other = AccountStore(db=db).get_or_create(connection_name="hubspot", identifier="user_2").id
    head_a = store.create(_new(account_id, "A", "1"))[0]
    head_b = store.create(_new(account_id, "B", "1"))[0]
    head_c = store.create(_new(account_id, "C", "1"))[0]
    next_a = store.create(_new(account_id, "A", "2"))[0]
    store.create(_new(account_id, "A", "3"))
    next_b = store.create(_new(account_id, "B", "2"))[0]
    store.create(_new(other, "C", "2"))
    heads = [store.claim(j.id, owner="w", lease_seconds=30) for j in (head_a, head_b, head_c)]
    finished = [h for h in heads if h is not None]
    assert (
        store.finish_many([Finish(h, JobStatus.SUCCEEDED, [], 1) for h in finished]) == [True] * 3
    )
    waiting = store.next_in_line_many(finished)
    assert sorted(j.id for j in waiting) == sorted([next_a.id, next_b.id])
    assert store.next_in_line_many([]) == []


def test_create_many_stores_every_field_as_create_does(db: Database, account_id: str) -> None:
    """Nested JSON input, metadata, a future run_at, the bulk lane, no key: a batch's rows
    (one array per column on PostgreSQL) read back as a single create's would."""
    store = JobStore(db=db)
    later = store.clock.now() + timedelta(hours=1)
    news = [
        NewJob(
            account_id=account_id,
            connection_name="hubspot",
            identifier="user_1",
            tool_name="hubspot_contacts_search",
            input={"filters": [{"propertyName": "email", "operator": "EQ", "value": "a@b.co"}]},
            lane=Lane.BULK,
            metadata={"source": "crm-sync", "n": 1, "nested": {"ok": True}},
            run_at=later,
        ),
        _new(account_id, "7", "plain"),
    ]
    out = store.create_many(news)
    single, _ = store.create(_new(account_id, "8", "single"))
    records = [store.get(n.id) for n in news]
    assert [created for _, created in out] == [True, True]  # type: ignore[misc]
    first, second = records
    assert first is not None
    assert second is not None
    assert first.input == news[0].input
    assert first.metadata == news[0].metadata
    assert first.run_at == later
    assert first.status is JobStatus.SCHEDULED
    assert first.lane is Lane.BULK
    assert first.history == []
    assert second.record_key == "contacts:7"
    assert second.metadata is None
    assert {f: getattr(second, f) for f in ("status", "attempts", "error", "result")} == {
        f: getattr(single, f) for f in ("status", "attempts", "error", "result")
    }
