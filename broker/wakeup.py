"""Waking idle consumers when work arrives, instead of letting them poll.

Producers call ``publish_wakeup`` after enqueueing; every worker process runs one listener thread
(``WakeupHub``) subscribed to the channel, which sets the event of the named queue. A consumer with
nothing to do waits on that event (bounded by the worker timeout, the fallback poll) rather than
sleeping a fixed backoff. A consumer that stopped fetching because its prefetch is full waits on
the same event, which acks set, so a busy consumer refills as soon as a slot frees up.

The listener must outlive anything the channel or the connection throws at it: a payload that
is not a queue name (not even UTF-8) is ignored, and after a lost connection it reconnects with a
backoff that starts again from ``RECONNECT_BACKOFF_MIN_S`` once a connection has succeeded (a
listener that lost its thread or kept a grown backoff would quietly turn every pickup into a
poll).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import _RedisConsumer
from dramatiq.errors import ConnectionClosed
from dramatiq.message import Message

from core.logging import get_logger

log = get_logger(__name__)

#: The pub/sub channel carrying queue names.
WAKEUP_CHANNEL = "ha:wake"
#: The Redis client name of every listener connection (``CLIENT LIST`` shows who listens).
WAKEUP_CLIENT_NAME = "ha-wakeup-listener"
#: The listener's reconnect backoff: doubled after each failed try, reset by a successful one.
RECONNECT_BACKOFF_MIN_S = 0.1
RECONNECT_BACKOFF_MAX_S = 5.0


def publish_wakeup(client: redis.Redis, queues: set[str] | list[str]) -> None:
    """Tell idle consumers of ``queues`` to fetch now (best effort: polling is the fallback)."""
    if len(queues) == 1:
        client.publish(WAKEUP_CHANNEL, next(iter(queues)))
        return
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        pipe.publish(WAKEUP_CHANNEL, queue)
    pipe.execute()


class WakeupHub:
    """One per process: a listener thread and an event per queue."""

    def __init__(self, *, client_factory: Callable[[], redis.Redis]) -> None:
        self._client_factory = client_factory
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._backoff = RECONNECT_BACKOFF_MIN_S
        #: How many times the listener has (re)subscribed; tests and logs read it.
        self.connections = 0

    def event_for(self, queue_name: str) -> threading.Event:
        with self._lock:
            event = self._events.setdefault(queue_name, threading.Event())
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._listen, name="wakeup-listener", daemon=True
                )
                self._thread.start()
        return event

    def stop(self) -> None:
        self._stopping.set()

    def _wake_all(self) -> None:
        for event in list(self._events.values()):
            event.set()

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen_once()
            except Exception as exc:
                # Whatever happened, the thread lives on: without it every pickup is a poll.
                log.warning("wakeup.listener_disconnected", error=type(exc).__name__)
                # Consumers fall back to polling; make them look now rather than later.
                self._wake_all()
                self._stopping.wait(self._backoff)
                self._backoff = min(self._backoff * 2, RECONNECT_BACKOFF_MAX_S)

    def _listen_once(self) -> None:
        client = self._client_factory()
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(WAKEUP_CHANNEL)
            self.connections += 1
            self._backoff = RECONNECT_BACKOFF_MIN_S
            # A message may have been published while we were (re)connecting.
            self._wake_all()
            while not self._stopping.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message is not None:
                    self._wake(message.get("data"))
        finally:
            pubsub.close()
            client.close()

    def _wake(self, data: object) -> None:
        """Set the event of the queue named by ``data``; anything else is ignored."""
        if isinstance(data, bytes):
            queue = data.decode("utf-8", errors="replace")
        elif isinstance(data, str):
            queue = data
        else:
            return
        event = self._events.get(queue)
        if event is not None:
            event.set()


class PollingConsumer(_RedisConsumer):
    """Dramatiq's stock Redis consumer, plus a heartbeat while its prefetch is full.

    The stock consumer heartbeats only as a side effect of talking to Redis; one whose threads
    are all busy fetches nothing and would look dead to the sweep's maintenance.
    """

    def __init__(self, broker: Any, queue_name: str, prefetch: int, timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)
        self._last_beat = time.monotonic()

    def beat_if_due(self) -> None:
        """Heartbeat when the last one (or fetch) is a worker timeout old."""
        now = time.monotonic()
        if now - self._last_beat >= self.timeout / 1000:
            self._last_beat = now
            self.broker.heartbeat()

    def __next__(self) -> Any:
        if self.outstanding_message_count >= self.prefetch:
            try:
                self.beat_if_due()
            except redis.ConnectionError as exc:
                raise ConnectionClosed(exc) from None
        return super().__next__()


class WakeableConsumer(PollingConsumer):
    """Dramatiq's Redis consumer, waiting on a wake-up event where the stock one sleeps, and
    sending acks in batches from its own thread (``broker.acks``)."""

    def __init__(self, broker: Any, queue_name: str, prefetch: int, timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)
        self.wakeup: threading.Event = broker.wakeups.event_for(queue_name)

    def ack(self, message: Any) -> None:
        """Queue the ack (a worker thread calls this) and wake the consumer thread to send it."""
        self.broker.acks.put(self.queue_name, message)
        self.wakeup.set()

    def send_acks(self) -> None:
        """Send the queued acks of this queue in one round trip (the consumer thread)."""
        for message in self.broker.acks.send(self.queue_name, self.broker.ack_many):
            self.queued_message_ids.discard(message.message_id)

    def close(self) -> None:
        """Send what is queued before Dramatiq drops this consumer (best effort: the next
        consumer of the queue sends what is left)."""
        try:
            self.send_acks()
        except redis.RedisError as exc:
            log.warning("broker.acks_deferred", error=type(exc).__name__)
        super().close()

    def nack(self, message: Any) -> None:
        try:
            super().nack(message)
        finally:
            self.wakeup.set()

    def __next__(self) -> Any:
        try:
            while True:
                self.send_acks()  # before counting the prefetch: acked messages free slots
                proxy = self._pop_cached()
                if proxy is not None:
                    return proxy
                # Clear before fetching: a wake-up that lands after the fetch is not missed.
                self.wakeup.clear()
                messages = []
                if self.outstanding_message_count < self.prefetch:
                    self.message_cache = messages = self.broker.do_fetch(
                        self.queue_name, self.prefetch - self.outstanding_message_count
                    )
                    self._last_beat = time.monotonic()  # every dispatch heartbeats
                else:
                    self.beat_if_due()
                if not messages:
                    self.wakeup.wait(self.timeout / 1000)
                    return None
        except redis.ConnectionError as exc:
            raise ConnectionClosed(exc) from None

    def _pop_cached(self) -> Any:
        while self.message_cache:
            data = self.message_cache.pop(0)
            if data is None:  # the message was acked/removed between fetch and read
                continue
            message = Message.decode(data)
            self.queued_message_ids.add(message.message_id)
            return MessageProxy(message)
        return None
