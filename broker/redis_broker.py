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
* **Caller-chosen Redis message ids.** A job's message id is derived from the job (id and
  generation), so the scheduler's sweep can tell whether a ``queued`` job still has a message in
  Redis (``HEXISTS`` on the queue's message hash) and re-enqueue only the ones that were lost.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import redis
from dramatiq import Message, Middleware
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis

from broker.stock_middleware import DEFAULT_ATTEMPT_TIMEOUT_S, stock_middleware
from broker.wakeup import WakeableConsumer, WakeupHub

#: Queues: tool jobs by lane, and token refreshes on their own so they never wait behind tools.
QUEUE_INTERACTIVE = "interactive"
QUEUE_BULK = "bulk"
QUEUE_REFRESH = "refresh"
#: Webhook deliveries: their own queue, so a slow receiver never sits in front of a tool job.
QUEUE_WEBHOOKS = "webhooks"
ALL_QUEUES = (QUEUE_REFRESH, QUEUE_INTERACTIVE, QUEUE_BULK, QUEUE_WEBHOOKS)

#: Redis key prefix of Dramatiq's own structures.
DRAMATIQ_NAMESPACE = "dramatiq"
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
    """Dramatiq's Redis broker with wake-ups and caller-chosen message ids."""

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

    @property
    def consumer_class(self) -> type:
        return WakeableConsumer if self.wakeups is not None else super().consumer_class

    def enqueue(self, message: Message[Any], *, delay: int | None = None) -> Message[Any]:
        """Enqueue now. Delays are refused: waiting goes through our schedule (DESIGN.md s7)."""
        if delay is not None:
            raise ValueError("delayed messages are not used; put the job on the schedule instead")
        if "redis_message_id" not in message.options:
            message = message.copy(options={"redis_message_id": str(uuid4())})
        self.emit_before("enqueue", message, None)
        self.do_enqueue(message.queue_name, message.options["redis_message_id"], message.encode())
        self.emit_after("enqueue", message, None)
        return message

    def enqueue_many(self, messages: list[Message[Any]]) -> None:
        """Enqueue several messages in one round trip (a pipeline of Dramatiq's own script).

        The script's arguments mirror ``RedisBroker._dispatch`` (Dramatiq 2.x, pinned): batch
        submissions would otherwise pay one round trip per job.
        """
        script = self.scripts["dispatch"]
        pipe = self.client.pipeline(transaction=False)
        for message in messages:
            self.emit_before("enqueue", message, None)
            args = [
                "enqueue",
                current_millis(),
                message.queue_name,
                self.broker_id,
                self.heartbeat_timeout,
                self.dead_message_ttl,
                self._should_do_maintenance("enqueue"),
                self._max_unpack_size(),
                message.options["redis_message_id"],
                message.encode(),
            ]
            script(keys=[self.namespace], args=args, client=pipe)
        pipe.execute()
        for message in messages:
            self.emit_after("enqueue", message, None)

    def messages_present(self, queue_name: str, redis_message_ids: list[str]) -> list[bool]:
        key = f"{self.namespace}:{queue_name}.msgs"
        pipe = self.client.pipeline(transaction=False)
        for message_id in redis_message_ids:
            pipe.hexists(key, message_id)
        return [bool(v) for v in pipe.execute()]


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
    hub = WakeupHub(client_factory=lambda: redis_client(redis_url)) if wakeups else None
    if middleware is None:
        middleware = stock_middleware(attempt_timeout_s=attempt_timeout_s)
    return Broker(client=client, wakeups=hub, middleware=middleware)
