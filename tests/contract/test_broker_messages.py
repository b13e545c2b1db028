"""Our broker's own promises on real Redis: unique message ids, the job message index, and
dead workers' prefetched messages returned on demand (issue 10 defects 1 and 2)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from dramatiq import Message

from broker.dispatch import GROUP_LIMIT, Dispatcher, JobRef, message_job_ids
from broker.redis_broker import QUEUE_BULK, QUEUE_INTERACTIVE, QUEUE_REFRESH, Broker, build_broker
from schemas.jobs import Lane

pytestmark = pytest.mark.services


@pytest.fixture
def broker(redis_url: str) -> Iterator[Broker]:
    made = build_broker(redis_url, wakeups=False)
    yield made
    made.close()


def _fetch(broker: Broker, queue: str, count: int) -> list[Message[object]]:
    return [Message.decode(data) for data in broker.do_fetch(queue, count) if data is not None]


def test_a_refresh_enqueued_twice_survives_the_first_copys_ack(broker: Broker) -> None:
    """The same refresh (account, version) enqueued again while the first copy is unacked: the
    first copy's ack leaves the second one's payload, which is fetched whole."""
    dispatcher = Dispatcher(broker=broker)
    dispatcher.enqueue_refresh("acct-1", 7)
    [first] = _fetch(broker, QUEUE_REFRESH, 1)

    dispatcher.enqueue_refresh("acct-1", 7)
    broker.do_ack(QUEUE_REFRESH, first.options["redis_message_id"])
    raw = broker.do_fetch(QUEUE_REFRESH, 1)

    assert len(raw) == 1
    assert raw[0] is not None
    second = Message.decode(raw[0])
    assert second.args == ("acct-1", 7)
    assert second.options["redis_message_id"] != first.options["redis_message_id"]


def test_every_enqueue_of_a_job_gets_its_own_message_id(broker: Broker) -> None:
    """A job enqueued twice (a sweep that re-enqueues it) has two messages with distinct ids; the
    first one's ack leaves the second intact."""
    dispatcher = Dispatcher(broker=broker)
    ref = JobRef(id="job-1", lane=Lane.INTERACTIVE)
    dispatcher.enqueue_jobs([ref])
    [first] = _fetch(broker, QUEUE_INTERACTIVE, 1)
    dispatcher.enqueue_jobs([ref])

    broker.do_ack(QUEUE_INTERACTIVE, first.options["redis_message_id"])
    [second] = _fetch(broker, QUEUE_INTERACTIVE, 1)

    assert second.args == ("job-1",)
    assert second.options["redis_message_id"] != first.options["redis_message_id"]


def test_the_sweep_sees_a_jobs_live_message_and_misses_a_lost_one(broker: Broker) -> None:
    """``missing_messages``: a waiting or in-flight message counts as present; an acked one, a
    never-enqueued job and a flushed Redis count as missing."""
    dispatcher = Dispatcher(broker=broker)
    waiting = JobRef(id="job-waiting", lane=Lane.BULK)
    in_flight = JobRef(id="job-in-flight", lane=Lane.INTERACTIVE)
    done = JobRef(id="job-done", lane=Lane.INTERACTIVE)
    never = JobRef(id="job-never", lane=Lane.BULK)
    dispatcher.enqueue_jobs([in_flight, done])
    fetched = {m.args[0]: m for m in _fetch(broker, QUEUE_INTERACTIVE, 2)}
    broker.do_ack(QUEUE_INTERACTIVE, fetched["job-done"].options["redis_message_id"])
    dispatcher.enqueue_jobs([waiting])

    assert set(dispatcher.missing_messages([waiting, in_flight, done, never])) == {done, never}

    broker.client.flushdb()
    assert set(dispatcher.missing_messages([waiting, in_flight])) == {waiting, in_flight}


def test_a_coalesced_tools_jobs_share_a_message_per_account_tool_and_lane(broker: Broker) -> None:
    """Jobs of a coalesced tool go GROUP_LIMIT to a message per (account, tool, lane), in their
    order; jobs of other tools, one message each."""
    update = "hubspot_contact_update"
    refs = [JobRef(id=f"a-{i}", lane=Lane.BULK, tool=update, account="acct-a") for i in range(150)]
    refs += [JobRef(id=f"b-{i}", lane=Lane.BULK, tool=update, account="acct-b") for i in range(3)]
    refs += [JobRef(id="b-create", lane=Lane.BULK, tool="hubspot_contact_create", account="acct-b")]
    refs += [JobRef(id="r-0", lane=Lane.BULK, tool="hubspot_contact_get", account="acct-a")]
    refs += [JobRef(id="i-0", lane=Lane.INTERACTIVE, tool=update, account="acct-a")]
    dispatcher = Dispatcher(broker=broker)
    dispatcher.enqueue_jobs(refs)

    bulk = [message_job_ids(m) for m in _fetch(broker, QUEUE_BULK, 10)]
    interactive = [message_job_ids(m) for m in _fetch(broker, QUEUE_INTERACTIVE, 10)]

    a_ids = [f"a-{i}" for i in range(150)]
    assert sorted(bulk) == sorted(
        [a_ids[:GROUP_LIMIT], a_ids[GROUP_LIMIT:], ["b-0", "b-1", "b-2"], ["b-create"], ["r-0"]]
    )
    assert interactive == [["i-0"]]


def test_a_job_message_names_its_jobs_account_when_it_is_known(broker: Broker) -> None:
    """An id, like the rest: it lets an interactive coalesced job be claimed without a read."""
    dispatcher = Dispatcher(broker=broker)
    dispatcher.enqueue_jobs(
        [
            JobRef(id="known", lane=Lane.INTERACTIVE, tool="hubspot_contact_create", account="a1"),
            JobRef(id="unknown", lane=Lane.INTERACTIVE),
        ]
    )
    kwargs = {m.args[0]: m.kwargs for m in _fetch(broker, QUEUE_INTERACTIVE, 5)}
    assert kwargs == {"known": {"tool": "hubspot_contact_create", "account": "a1"}, "unknown": {}}


def test_the_sweep_sees_every_job_of_a_group_message(broker: Broker) -> None:
    """Each job of a group is indexed to the group's message: present while it waits or is in
    flight, missing for every one of them once it is acked."""
    refs = [
        JobRef(id=f"job-{i}", lane=Lane.BULK, tool="hubspot_deal_update", account="acct")
        for i in range(5)
    ]
    dispatcher = Dispatcher(broker=broker)
    dispatcher.enqueue_jobs(refs)
    assert dispatcher.missing_messages(refs) == []

    [group] = _fetch(broker, QUEUE_BULK, 5)
    assert message_job_ids(group) == [r.id for r in refs]
    assert dispatcher.missing_messages(refs) == []

    broker.do_ack(QUEUE_BULK, group.options["redis_message_id"])
    assert set(dispatcher.missing_messages(refs)) == set(refs)


def test_a_dead_workers_prefetched_messages_go_back_on_demand(redis_url: str) -> None:
    """Messages fetched by a worker silent past the heartbeat timeout return to their queue when
    the sweep asks; a live worker's fetched messages stay with it."""
    dead, live, sweeper = (build_broker(redis_url, wakeups=False) for _ in range(3))
    try:
        dispatcher = Dispatcher(broker=sweeper)
        dispatcher.enqueue_jobs(JobRef(id=f"job-{i}", lane=Lane.BULK) for i in range(5))
        held_by_dead = _fetch(dead, QUEUE_BULK, 3)
        held_by_live = _fetch(live, QUEUE_BULK, 2)
        time.sleep(0.5)
        live.heartbeat()

        dispatcher.requeue_dead_workers(heartbeat_timeout_ms=300)

        client = redis.Redis.from_url(redis_url, decode_responses=True)
        queued = set(client.lrange(f"dramatiq:{QUEUE_BULK}", 0, -1))
        assert queued == {m.options["redis_message_id"] for m in held_by_dead}
        live_acks = client.smembers(f"dramatiq:__acks__.{live.broker_id}.{QUEUE_BULK}")
        assert set(live_acks) == {m.options["redis_message_id"] for m in held_by_live}
        assert client.exists(f"dramatiq:__acks__.{dead.broker_id}.{QUEUE_BULK}") == 0
        client.close()
    finally:
        for made in (dead, live, sweeper):
            made.close()


def test_a_batch_enqueue_checks_for_its_script_once_and_survives_a_script_flush(
    broker: Broker,
) -> None:
    """Batch enqueues run Dramatiq's script without asking Redis for it every time; after Redis
    forgot it (a restart, ``SCRIPT FLUSH``) the next batch loads it and lands whole."""
    dispatcher = Dispatcher(broker=broker)
    refs = [JobRef(id=f"flush-{i}", lane=Lane.INTERACTIVE) for i in range(3)]
    dispatcher.enqueue_jobs(refs[:1])
    before = broker.client.info("commandstats").get("cmdstat_script|exists", {}).get("calls", 0)
    dispatcher.enqueue_jobs(refs[1:2])
    after = broker.client.info("commandstats").get("cmdstat_script|exists", {}).get("calls", 0)
    assert after == before

    broker.client.script_flush()
    dispatcher.enqueue_jobs(refs[2:])

    fetched = [m.args[0] for m in _fetch(broker, QUEUE_INTERACTIVE, 5)]
    assert sorted(fetched) == ["flush-0", "flush-1", "flush-2"]
    assert dispatcher.missing_messages(refs) == []
