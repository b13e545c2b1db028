"""Batched acks (``broker.acks``) on real Redis with Dramatiq's real ``Worker`` on our broker.

What Dramatiq's own ``test_redis_consumer_ack_can_retry_on_connection_error`` checks of its
per-message ack, checked here of ours: every processed message ends acked (nothing left in the
worker's unacked set, nothing redelivered), a lost connection while sending delays the acks
without losing them, and acks a consumer could not send are sent by the next one. Plus what the
batching is for: fewer sends than messages.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
import redis
from dramatiq import Worker
from dramatiq.middleware import default_middleware

from broker.redis_broker import Broker, build_broker

pytestmark = pytest.mark.services

QUEUE = "acks-test"


@pytest.fixture
def broker(redis_url: str) -> Iterator[Broker]:
    made = build_broker(redis_url, middleware=[m() for m in default_middleware])
    made.client.flushdb()
    made.emit_after("process_boot")
    yield made
    made.client.flushdb()
    if made.wakeups is not None:
        made.wakeups.stop()
    made.close()


def _unacked(broker: Broker) -> int:
    return int(broker.client.scard(f"{broker.namespace}:__acks__.{broker.broker_id}.{QUEUE}"))


def _run(broker: Broker, count: int, sends: list[int], *, fail_first: int = 0) -> list[int]:
    """Send ``count`` messages to an actor, run a worker until all ran and the unacked set is
    empty; ``sends`` collects the size of each ack send, the first ``fail_first`` of which lose
    their connection."""
    ran: list[int] = []
    lock = threading.Lock()

    @dramatiq.actor(broker=broker, queue_name=QUEUE, max_retries=0)
    def work(n: int) -> None:
        with lock:
            ran.append(n)

    real = broker.ack_many

    def counting(queue_name: str, ids: list[str]) -> None:
        sends.append(len(ids))
        if len(sends) <= fail_first:
            raise redis.ConnectionError("lost")
        real(queue_name, ids)

    broker.ack_many = counting  # type: ignore[method-assign,assignment]
    for n in range(count):
        work.send(n)
    worker = Worker(broker, worker_timeout=100, worker_threads=8)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if len(ran) == count and _unacked(broker) == 0 and broker.acks.waiting(QUEUE) == 0:
                break
            time.sleep(0.05)
    finally:
        worker.stop()
    return ran


def test_every_message_is_acked_in_fewer_sends_than_messages(broker: Broker) -> None:
    sends: list[int] = []
    ran = _run(broker, 300, sends)
    assert sorted(ran) == list(range(300))  # each ran once: none redelivered
    assert _unacked(broker) == 0
    assert sum(sends) == 300
    assert len(sends) < 300  # batched


def test_a_lost_connection_delays_the_acks_and_loses_none(broker: Broker) -> None:
    """The first two sends fail (the consumer is restarted by Dramatiq in between): the same
    acks are sent again, each message still ran once and ends acked."""
    sends: list[int] = []
    ran = _run(broker, 50, sends, fail_first=2)
    assert sorted(ran) == list(range(50))
    assert _unacked(broker) == 0
    assert len(sends) > 2
    assert sum(sends[2:]) == 50  # what the failed sends held was sent after


def test_a_closed_consumer_sends_what_it_holds(broker: Broker) -> None:
    """Acks queued for a consumer Dramatiq closes (worker shutdown) are sent on close. (Those it
    cannot send wait for the next consumer of the queue: the test above.)"""
    consumer: Any = broker.consume(QUEUE, prefetch=4, timeout=100)
    broker.enqueue(
        dramatiq.Message(queue_name=QUEUE, actor_name="a", args=(), kwargs={}, options={})
    )
    message = next(m for m in iter(lambda: next(consumer), "never") if m is not None)
    assert _unacked(broker) == 1
    consumer.ack(message)
    assert _unacked(broker) == 1  # only queued so far
    consumer.close()
    assert _unacked(broker) == 0
    assert broker.acks.waiting(QUEUE) == 0
