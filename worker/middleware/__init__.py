"""The worker's Dramatiq middleware: what every job message needs around the executor.

Hooked like Dramatiq's own middleware (``before_process_message`` / ``after_process_message`` /
``after_skip_message``), so the executor only claims, calls HubSpot and records the outcome:

* ``JobContext``: binds the message's job or account id into the log context, and clears it;
* ``JobLease``: renews the lease of the job being processed, up to the attempt timeout;
* ``JobDone``: announces a terminal outcome to long-polling waiters;
* ``JobSummary``: the one ``job.finished`` line per job, with its duration;
* ``JobMetrics``: the shared job metrics of ``/metrics`` (outcomes, durations, rate waits);
* ``JobEvents``: the job's webhook event (``job.succeeded`` / ``job.failed``).

They share Dramatiq's hooks through ``worker.middleware.hooks`` (``EndingMiddleware``: one
method per reported ending). ``worker_middleware`` gives them in order. Dramatiq runs
``before_*`` hooks in list order and ``after_*`` hooks in reverse, so the log context is bound
first and cleared last, and the summary is written while it still names the job. After a job,
its metrics are queued first and its waiters told next (a woken waiter sees the job counted);
the summary line and the webhook events (a Redis read of who subscribes, at least) come after
that, off the path of a waiting caller. They go after
Dramatiq's defaults (``TimeLimit`` included, ``broker.redis_broker.build_broker``), so the lease
is released before ``Retries`` dead-letters a crashed message.
"""

from __future__ import annotations

from collections.abc import Callable

import redis
from dramatiq import Middleware

from broker.events import WebhookEvents
from core.clock import Clock
from worker.lease import LeaseKeeper
from worker.middleware.context import JobContext
from worker.middleware.done import JobDone
from worker.middleware.ending import JobEnd, current_end, current_ends, report_end, reset_end
from worker.middleware.events import JobEvents
from worker.middleware.lease import JobLease
from worker.middleware.metrics import JobMetrics, JobSummary
from worker.notify_batch import PipelineOps

__all__ = [
    "JobContext",
    "JobDone",
    "JobEnd",
    "JobEvents",
    "JobLease",
    "JobMetrics",
    "JobSummary",
    "current_end",
    "current_ends",
    "report_end",
    "reset_end",
    "worker_middleware",
]


def worker_middleware(
    *,
    keeper: LeaseKeeper,
    notify_done: Callable[[str], None],
    metrics_client: redis.Redis,
    clock: Clock,
    events: WebhookEvents | None = None,
    metrics_submit: Callable[[PipelineOps], None] | None = None,
) -> list[Middleware]:
    """Our middleware, in the order they must be added to the broker."""
    return [
        JobContext(),
        JobLease(keeper=keeper),
        *([JobEvents(events=events)] if events is not None else []),
        JobSummary(),
        JobDone(notify=notify_done),
        JobMetrics(client=metrics_client, clock=clock, submit=metrics_submit),
    ]
