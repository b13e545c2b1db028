"""The one broker factory every process uses (web, worker, scheduler, CLI): same Redis client
settings, same heartbeat, same queues.

Cheap to import: nothing connects until a message is sent or consumed, because the producer
imports this module to send.

Two departures from Dramatiq's stock Redis broker, both for latency:

* **Wake-ups instead of idle polling.** The stock consumer sleeps with a growing backoff when its
  queue is empty (about 90 ms at p50, up to the worker timeout), so an idle worker notices a new
  message late. Producers publish the queue name on a wake-up channel after enqueueing; each worker
  process listens on it and its consumers wait on an event instead of sleeping. Polling stays as
  the fallback (every ``worker_timeout``), so a lost wake-up costs at most that.
* **A fresh Redis message id on every enqueue**, whatever the caller passes. Dramatiq's ack
  deletes the payload stored under the message's id, so two live messages sharing an id lose one:
  the first copy's ack deletes the second's payload, which is then fetched empty and skipped.
  Deduplication belongs to the job claim (atomic in SQL), never to the broker. The dispatcher
  keeps its own job -> message id index so the sweep can still find lost messages.

And two additions for dead workers, which Dramatiq only heals by chance (its maintenance runs on
about one command in a thousand, with a 60 s heartbeat timeout):

* ``requeue_dead_workers`` runs the maintenance of Dramatiq's own dispatch script on demand, with a
  caller-chosen heartbeat timeout: the scheduler's sweep calls it, so the messages a SIGKILLed
  worker had prefetched go back on their queues within one sweep of its death being noticed.
* Our consumers heartbeat at least every worker timeout, even when their prefetch is full and they
  fetch nothing (the stock consumer only heartbeats when it talks to Redis), so a short heartbeat
  timeout never mistakes a busy worker for a dead one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import redis
from dramatiq import Message, Middleware
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis

from broker.acks import AckQueue
from broker.pipelines import script_pipeline
from broker.stock_middleware import DEFAULT_ATTEMPT_TIMEOUT_S, stock_middleware
from broker.wakeup import WAKEUP_CLIENT_NAME, PollingConsumer, WakeableConsumer, WakeupHub

#: Queues: tool jobs by lane, and token refreshes on their own so they never wait behind tools.
QUEUE_INTERACTIVE = "interactive"
QUEUE_BULK = "bulk"
QUEUE_REFRESH = "refresh"
#: Webhook deliveries: their own queue, so a slow receiver never sits in front of a tool job.
QUEUE_WEBHOOKS = "webhooks"
ALL_QUEUES = (QUEUE_REFRESH, QUEUE_INTERACTIVE, QUEUE_BULK, QUEUE_WEBHOOKS)

#: Redis key prefix of Dramatiq's own structures.
DRAMATIQ_NAMESPACE = "dramatiq"
#: A command the dispatch script does not know: it runs only the heartbeat and the maintenance.
MAINTENANCE_COMMAND = "maintenance"
#: A worker silent for this long is considered dead and its unacked messages are requeued.
HEARTBEAT_TIMEOUT_MS = 60_000
#: Dead-lettered messages are kept this long for inspection.
DEAD_MESSAGE_TTL_MS = 7 * 86_400_000
#: Socket timeouts of every Redis client: a hung Redis must surface as an error, not a hang.
REDIS_SOCKET_TIMEOUT_S = 5.0
REDIS_CONNECT_TIMEOUT_S = 5.0
#: The fallback poll interval of idle consumers (Dramatiq's worker timeout), milliseconds.
WORKER_TIMEOUT_MS = 1000


def redis_client(url: str, **overrides: Any) -> redis.Redis:
    """A Redis client with our timeouts; every component builds its clients here."""
    options: dict[str, Any] = {
        "socket_timeout": REDIS_SOCKET_TIMEOUT_S,
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S,
        "health_check_interval": 30,
        "retry_on_timeout": False,
    }
    options.update(overrides)
    return redis.Redis.from_url(url, **options)


class Broker(RedisBroker):
    """Dramatiq's Redis broker with wake-ups, unique message ids and on-demand maintenance."""

    def __init__(
        self,
        *,
        client: redis.Redis,
        wakeups: WakeupHub | None,
        middleware: list[Middleware] | None = None,
    ) -> None:
        super().__init__(
            client=client,
            middleware=middleware if middleware is not None else [],
            namespace=DRAMATIQ_NAMESPACE,
            heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
            dead_message_ttl=DEAD_MESSAGE_TTL_MS,
        )
        self.wakeups = wakeups
        #: Acks queued by worker threads for the consumer threads to send (``broker.acks``).
        self.acks = AckQueue()

    @property
    def consumer_class(self) -> type:
        return WakeableConsumer if self.wakeups is not None else PollingConsumer

    def enqueue(self, message: Message[Any], *, delay: int | None = None) -> Message[Any]:
        """Enqueue now, under a fresh message id; the message as enqueued (with its id).

        Delays are refused: waiting goes through our schedule (DESIGN.md s7).
        """
        if delay is not None:
            raise ValueError("delayed messages are not used; put the job on the schedule instead")
        message = with_fresh_id(message)
        self.emit_before("enqueue", message, None)
        self.do_enqueue(message.queue_name, message.options["redis_message_id"], message.encode())
        self.emit_after("enqueue", message, None)
        return message

    def enqueue_many(
        self, messages: list[Message[Any]], *, pipe: redis.client.Pipeline | None = None
    ) -> list[Message[Any]]:
        """Enqueue several messages in one round trip (a pipeline of Dramatiq's own script).

        The script's arguments mirror ``RedisBroker._dispatch`` (Dramatiq 2.2.1, pinned, checked
        by ``tests/contract``): batch submissions would otherwise pay one round trip per job.
        With ``pipe`` (a ``broker.pipelines.script_pipeline``) the commands are added to the
        caller's pipeline, which the caller executes (and then should emit nothing more:
        ``after_enqueue`` has been emitted already).
        """
        script = self.scripts["dispatch"]
        own = pipe is None
        pipeline = script_pipeline(self.client) if pipe is None else pipe
        enqueued = [with_fresh_id(m) for m in messages]
        for message in enqueued:
            self.emit_before("enqueue", message, None)
            args = [
                *self._script_prefix("enqueue", message.queue_name),
                message.options["redis_message_id"],
                message.encode(),
            ]
            script(keys=[self.namespace], args=args, client=pipeline)
        if own:
            pipeline.execute()
        for message in enqueued:
            self.emit_after("enqueue", message, None)
        return enqueued

    def ack_many(self, queue_name: str, redis_message_ids: list[str]) -> None:
        """Ack several messages of ``queue_name`` in one round trip (Dramatiq's ``do_ack`` per
        message, pipelined)."""
        script = self.scripts["dispatch"]
        pipe = script_pipeline(self.client)
        for message_id in redis_message_ids:
            args = [*self._script_prefix("ack", queue_name), message_id]
            script(keys=[self.namespace], args=args, client=pipe)
        pipe.execute()

    def requeue_dead_workers(
        self, queue_names: Iterable[str], *, heartbeat_timeout_ms: int
    ) -> None:
        """Put the unacked messages of workers silent for ``heartbeat_timeout_ms`` back on their
        queues: Dramatiq's maintenance, run now rather than by chance."""
        script = self.scripts["dispatch"]
        pipe = script_pipeline(self.client)
        for queue_name in queue_names:
            args = self._script_prefix(MAINTENANCE_COMMAND, queue_name)
            args[4], args[6] = heartbeat_timeout_ms, 1
            script(keys=[self.namespace], args=args, client=pipe)
        pipe.execute()

    def heartbeat(self) -> None:
        """Tell other processes this broker's worker is alive (what every dispatch does)."""
        self.client.zadd(f"{self.namespace}:__heartbeats__", {self.broker_id: current_millis()})

    def _script_prefix(self, command: str, queue_name: str) -> list[Any]:
        """The first eight arguments of the dispatch script, as ``RedisBroker._dispatch``."""
        return [
            command,
            current_millis(),
            queue_name,
            self.broker_id,
            self.heartbeat_timeout,
            self.dead_message_ttl,
            self._should_do_maintenance(command),
            self._max_unpack_size(),
        ]

    def messages_present(self, queue_name: str, redis_message_ids: list[str]) -> list[bool]:
        key = f"{self.namespace}:{queue_name}.msgs"
        pipe = self.client.pipeline(transaction=False)
        for message_id in redis_message_ids:
            pipe.hexists(key, message_id)
        return [bool(v) for v in pipe.execute()]


def with_fresh_id(message: Message[Any]) -> Message[Any]:
    """``message`` under a new Redis message id (ids are never reused, see the module doc)."""
    # 128 random bits as 32 hex digits, as ``uuid4().hex`` gives, without building a UUID
    # object (a tenth of the web's time under a batch submission, bench/README.md).
    return message.copy(options={"redis_message_id": os.urandom(16).hex()})


def build_broker(
    redis_url: str,
    *,
    wakeups: bool = True,
    middleware: list[Middleware] | None = None,
    attempt_timeout_s: float = DEFAULT_ATTEMPT_TIMEOUT_S,
) -> Broker:
    """The broker for this process. ``wakeups=False`` gives Dramatiq's stock idle polling.

    ``middleware`` defaults to Dramatiq's own, each decided in ``broker.stock_middleware``
    (``TimeLimit`` at ``attempt_timeout_s``, ``Retries`` without retries).
    """
    client = redis_client(redis_url)
    hub = (
        WakeupHub(client_factory=lambda: redis_client(redis_url, client_name=WAKEUP_CLIENT_NAME))
        if wakeups
        else None
    )
    if middleware is None:
        middleware = stock_middleware(attempt_timeout_s=attempt_timeout_s)
    return Broker(client=client, wakeups=hub, middleware=middleware)
