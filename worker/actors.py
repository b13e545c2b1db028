"""The Dramatiq actors: thin, idempotent, taking ids only.

Declared against an explicit broker by ``declare_actors`` rather than at import time, so importing
this module builds nothing. What every message needs around the actor (log context, lease, done
notification, summary line) is middleware (``worker.middleware``), not code here. Redelivery is
normal (a worker restart, a duplicate message): the executor's atomic claim makes a second delivery
of the same job a no-op.
"""

from __future__ import annotations

from collections.abc import Callable

import dramatiq

from broker.dispatch import (
    ACTOR_DELIVER_WEBHOOK,
    ACTOR_EXECUTE,
    ACTOR_EXECUTE_BULK,
    ACTOR_PORTAL_SCHEMA,
    ACTOR_REFRESH,
)
from broker.redis_broker import QUEUE_BULK, QUEUE_INTERACTIVE, QUEUE_REFRESH, QUEUE_WEBHOOKS
from core.logging import get_logger
from worker.runtime import WorkerRuntime

log = get_logger(__name__)

#: Lower runs first when a worker has a choice: refreshes, then interactive, then bulk.
PRIORITY_REFRESH = 0
PRIORITY_INTERACTIVE = 10
PRIORITY_BULK = 100
#: A refresh that reached a worker without app credentials is put back this much later.
NO_CREDENTIALS_RECHECK_S = 60.0
#: Portal schema fetches share the refresh queue, behind token refreshes.
PRIORITY_PORTAL_SCHEMA = 5
#: Webhook deliveries come after tool jobs: they are never what an agent is waiting for.
PRIORITY_WEBHOOKS = 200


def declare_actors(broker: dramatiq.Broker, runtime: Callable[[], WorkerRuntime]) -> None:
    def job_actor(*, interactive: bool) -> Callable[..., None]:
        """The executor's actor function for one lane (the lane decides whether a job of a
        coalesced tool may be claimed at once, ``JobExecutor.run``)."""

        def execute_tool(
            job_id: str,
            tool: str | None = None,
            group: list[str] | None = None,
            account: str | None = None,
        ) -> None:
            runtime().executor.run(job_id, tool, group, account=account, interactive=interactive)

        return execute_tool

    def refresh_token(account_id: str, version: int | None = None) -> None:
        rt = runtime()
        if rt.refresher is None:
            # No app credentials in this worker: nothing can refresh here. Say so, and keep the
            # account scheduled (the scheduler's claim took its entry off), a little later, so
            # a worker that has the credentials gets it and nothing spins meanwhile.
            log.warning("token.refresh_skipped_no_credentials", account_id=account_id)
            due = rt.clock.time() + NO_CREDENTIALS_RECHECK_S
            rt.refresh_schedule.client.zadd(rt.refresh_schedule.key, {account_id: due}, nx=True)
            return
        rt.refresher.run_scheduled(account_id, version)

    def refresh_portal_schema(account_id: str) -> None:
        runtime().portal_schemas.run(account_id)

    def deliver_webhook(delivery_id: str) -> None:
        runtime().deliverer.deliver(delivery_id)

    # (function, actor name, queue, priority): the executor's two queues differ in the lane only.
    actors: list[tuple[Callable[..., None], str, str, int]] = [
        (job_actor(interactive=True), ACTOR_EXECUTE, QUEUE_INTERACTIVE, PRIORITY_INTERACTIVE),
        (job_actor(interactive=False), ACTOR_EXECUTE_BULK, QUEUE_BULK, PRIORITY_BULK),
        (refresh_token, ACTOR_REFRESH, QUEUE_REFRESH, PRIORITY_REFRESH),
        (refresh_portal_schema, ACTOR_PORTAL_SCHEMA, QUEUE_REFRESH, PRIORITY_PORTAL_SCHEMA),
        (deliver_webhook, ACTOR_DELIVER_WEBHOOK, QUEUE_WEBHOOKS, PRIORITY_WEBHOOKS),
    ]
    for fn, actor_name, queue_name, priority in actors:
        dramatiq.Actor(
            fn,
            broker=broker,
            actor_name=actor_name,
            queue_name=queue_name,
            priority=priority,
            options={},
        )
