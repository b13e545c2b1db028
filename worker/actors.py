"""The Dramatiq actors: thin, idempotent, taking ids only.

Declared against an explicit broker by ``declare_actors`` rather than at import time, so importing
this module builds nothing. Redelivery is normal (a worker restart, a duplicate message): the
executor's atomic claim makes a second delivery of the same job a no-op.
"""

from __future__ import annotations

from collections.abc import Callable

import dramatiq

from broker.dispatch import (
    ACTOR_DELIVER_WEBHOOK,
    ACTOR_EXECUTE,
    ACTOR_EXECUTE_BULK,
    ACTOR_REFRESH,
)
from broker.redis_broker import QUEUE_BULK, QUEUE_INTERACTIVE, QUEUE_REFRESH, QUEUE_WEBHOOKS
from worker.runtime import WorkerRuntime

#: Lower runs first when a worker has a choice: refreshes, then interactive, then bulk.
PRIORITY_REFRESH = 0
PRIORITY_INTERACTIVE = 10
PRIORITY_BULK = 100
#: Webhook deliveries come after tool jobs: they are never what an agent is waiting for.
PRIORITY_WEBHOOKS = 200


def declare_actors(broker: dramatiq.Broker, runtime: Callable[[], WorkerRuntime]) -> None:
    def execute_tool(job_id: str) -> None:
        runtime().executor.run(job_id)

    def refresh_token(account_id: str, version: int | None = None) -> None:
        refresher = runtime().refresher
        if refresher is not None:
            refresher.run_scheduled(account_id, version)

    def deliver_webhook(delivery_id: str) -> None:
        runtime().deliverer.deliver(delivery_id)

    options: dict[str, object] = {}
    dramatiq.Actor(
        execute_tool,
        broker=broker,
        actor_name=ACTOR_EXECUTE,
        queue_name=QUEUE_INTERACTIVE,
        priority=PRIORITY_INTERACTIVE,
        options=options,
    )
    dramatiq.Actor(
        execute_tool,
        broker=broker,
        actor_name=ACTOR_EXECUTE_BULK,
        queue_name=QUEUE_BULK,
        priority=PRIORITY_BULK,
        options=options,
    )
    dramatiq.Actor(
        refresh_token,
        broker=broker,
        actor_name=ACTOR_REFRESH,
        queue_name=QUEUE_REFRESH,
        priority=PRIORITY_REFRESH,
        options=options,
    )
    dramatiq.Actor(
        deliver_webhook,
        broker=broker,
        actor_name=ACTOR_DELIVER_WEBHOOK,
        queue_name=QUEUE_WEBHOOKS,
        priority=PRIORITY_WEBHOOKS,
        options=options,
    )
