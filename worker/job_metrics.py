"""The worker's metric hooks: a job's terminal outcome, a HubSpot answer, a rate-limit wait.

Plain functions called by the ``JobMetrics`` middleware (``worker.middleware.metrics``) from the
ending the executor reports, and by the HubSpot client's callback (``HubSpotClient(on_response=
...)``). Everything goes to Redis
(``broker.counters``, ``broker.timeline``) because the web process, not the worker, is scraped.
Each hook has an ``..._ops`` form that only builds the commands: the worker queues those on its
``RedisBatcher`` (``worker.notify_batch``) so that counting costs its job threads no round trip.

HubSpot calls are charted per portal, but the client does not know whose token it carries: the
executor names the portal of the attempt in ``CURRENT_PORTAL`` (a context variable: one job per
worker thread at a time) and the response callback reads it. The hub id goes to the per-minute
hash only, never to a Prometheus label.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from functools import partial

import redis

from broker.counters import (
    COUNTERS_KEY,
    HUBSPOT_REQUESTS_COUNTER,
    JOBS_COUNTER,
    RATE_LIMIT_WAITS_COUNTER,
    Counters,
    encode_field,
    send_now,
)
from broker.job_stats import JobOutcome, job_outcome_ops
from broker.timeline import CALLS_SERIES, minute_ops
from worker.notify_batch import PipelineOps

#: The portal (hub id) whose job this thread is running; read by ``hubspot_response``.
CURRENT_PORTAL: ContextVar[int | None] = ContextVar("hubspot_actions_portal", default=None)


def job_outcome(
    *, tool: str, due: datetime, status: str, code: object, now: datetime
) -> JobOutcome:
    """What is counted of a job of ``tool`` reaching ``status``; the duration runs from when it
    was ``due`` (its ``run_at``, else its submission), so it includes queueing and retries: what
    a caller waits."""
    return JobOutcome(
        tool=tool,
        outcome=status,
        code=str(code) if code else None,
        duration_s=(now - due).total_seconds(),
        now=now.timestamp(),
    )


def job_finished_ops(
    *, tool: str, due: datetime, status: str, code: object, now: datetime
) -> PipelineOps:
    """The commands counting one such job (``job_outcome``)."""
    return partial(
        job_outcome_ops, **job_outcome(tool=tool, due=due, status=status, code=code, now=now)
    )


def job_finished(
    client: redis.Redis, *, tool: str, due: datetime, status: str, code: object, now: datetime
) -> None:
    """``job_finished_ops`` sent now, in one round trip (best effort)."""
    ops = job_finished_ops(tool=tool, due=due, status=status, code=code, now=now)
    send_now(client, ops, metric=JOBS_COUNTER)


def status_class(status_code: int | None) -> str:
    """``2xx``, ``4xx``, ``429`` (apart: it is the rate limit), ``5xx``, or ``error`` (none)."""
    if status_code is None:
        return "error"
    if status_code == 429:
        return "429"
    return f"{status_code // 100}xx"


def hubspot_response_ops(status_code: int | None, now: float) -> PipelineOps:
    """The commands counting one HubSpot answer (``None``: no answer, a transport error) and,
    when the portal is known, one call in this minute of the portal's chart. Reads
    ``CURRENT_PORTAL`` here, on the job's thread, not when the commands are sent."""
    field = encode_field(HUBSPOT_REQUESTS_COUNTER, {"status_class": status_class(status_code)})
    hub_id = CURRENT_PORTAL.get()

    def ops(pipe: redis.client.Pipeline) -> None:
        pipe.hincrby(COUNTERS_KEY, field)
        if hub_id is not None:
            minute_ops(pipe, CALLS_SERIES, {"hub": str(hub_id)}, now=now)

    return ops


def hubspot_response(client: redis.Redis, status_code: int | None, now: float) -> None:
    """``hubspot_response_ops`` sent now, in one round trip (best effort)."""
    send_now(client, hubspot_response_ops(status_code, now), metric=HUBSPOT_REQUESTS_COUNTER)


def response_hook(submit: Callable[[PipelineOps], None]) -> Callable[[int | None], None]:
    """The ``on_response`` callback of the worker's HubSpot client: queues the count on
    ``submit`` (the process's ``RedisBatcher.submit``)."""
    return lambda status_code: submit(hubspot_response_ops(status_code, time.time()))


def rate_limit_wait(client: redis.Redis, kind: str) -> None:
    """Count one job sent to wait for a rate limit (``rate_limited`` or ``throttled``)."""
    Counters(client=client).incr(RATE_LIMIT_WAITS_COUNTER, {"kind": kind})
