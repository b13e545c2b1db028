"""Waking idle consumers when work arrives, instead of letting them poll.

Producers call ``publish_wakeup`` after enqueueing; every worker process runs one listener thread
(``WakeupHub``) subscribed to the channel, which sets the event of the named queue. A consumer with
nothing to do waits on that event (bounded by the worker timeout, the fallback poll) rather than
sleeping a fixed backoff. A consumer that stopped fetching because its prefetch is full waits on
the same event, which acks set, so a busy consumer refills as soon as a slot frees up.
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
        backoff = 0.1
        while not self._stopping.is_set():
            try:
                self._listen_once()
                backoff = 0.1
            except (redis.RedisError, OSError) as exc:
                log.warning("wakeup.listener_disconnected", error=type(exc).__name__)
                # Consumers fall back to polling; make them look now rather than later.
                self._wake_all()
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _listen_once(self) -> None:
        client = self._client_factory()
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(WAKEUP_CHANNEL)
            # A message may have been published while we were (re)connecting.
            self._wake_all()
            while not self._stopping.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                data = message.get("data")
                queue = data.decode() if isinstance(data, bytes) else str(data)
                event = self._events.get(queue)
                if event is not None:
                    event.set()
        finally:
            pubsub.close()
            client.close()


class WakeableConsumer(_RedisConsumer):
    """Dramatiq's Redis consumer, waiting on a wake-up event where the stock one sleeps."""

    def __init__(self, broker: Any, queue_name: str, prefetch: int, timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)
        self.wakeup: threading.Event = broker.wakeups.event_for(queue_name)

    def ack(self, message: Any) -> None:
        try:
            super().ack(message)
        finally:
            self.wakeup.set()

    def nack(self, message: Any) -> None:
        try:
            super().nack(message)
        finally:
            self.wakeup.set()

    def __next__(self) -> Any:
        try:
            while True:
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
