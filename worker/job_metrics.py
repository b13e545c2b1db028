"""The worker's metric hooks: a job's terminal outcome, a HubSpot answer, a rate-limit wait.

Plain functions called by the ``JobMetrics`` middleware (``worker.middleware.metrics``) from the
ending the executor reports, and by the HubSpot client's callback (``HubSpotClient(on_response=
...)``). Everything goes to Redis
(``broker.counters``, ``broker.timeline``) because the web process, not the worker, is scraped.

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

import redis

from broker.counters import (
    COUNTERS_KEY,
    HUBSPOT_REQUESTS_COUNTER,
    RATE_LIMIT_WAITS_COUNTER,
    Counters,
    encode_field,
)
from broker.job_stats import count_job_outcome
from broker.timeline import CALLS_SERIES, minute_ops
from core.logging import get_logger

log = get_logger(__name__)

#: The portal (hub id) whose job this thread is running; read by ``hubspot_response``.
CURRENT_PORTAL: ContextVar[int | None] = ContextVar("hubspot_actions_portal", default=None)


def job_finished(
    client: redis.Redis, *, tool: str, due: datetime, status: str, code: object, now: datetime
) -> None:
    """Count a job of ``tool`` reaching ``status``; the duration runs from when it was ``due``
    (its ``run_at``, else its submission), so it includes queueing and retries: what a caller
    waits."""
    count_job_outcome(
        client,
        tool=tool,
        outcome=status,
        code=str(code) if code else None,
        duration_s=(now - due).total_seconds(),
        now=now.timestamp(),
    )


def status_class(status_code: int | None) -> str:
    """``2xx``, ``4xx``, ``429`` (apart: it is the rate limit), ``5xx``, or ``error`` (none)."""
    if status_code is None:
        return "error"
    if status_code == 429:
        return "429"
    return f"{status_code // 100}xx"


def hubspot_response(client: redis.Redis, status_code: int | None, now: float) -> None:
    """Count one HubSpot answer (``None``: no answer, a transport error) and, when the portal
    is known, one call in this minute of the portal's chart."""
    try:
        pipe = client.pipeline(transaction=False)
        field = encode_field(HUBSPOT_REQUESTS_COUNTER, {"status_class": status_class(status_code)})
        pipe.hincrby(COUNTERS_KEY, field)
        hub_id = CURRENT_PORTAL.get()
        if hub_id is not None:
            minute_ops(pipe, CALLS_SERIES, {"hub": str(hub_id)}, now=now)
        pipe.execute()
    except redis.RedisError as exc:
        log.debug("metrics.count_failed", metric=HUBSPOT_REQUESTS_COUNTER, error=type(exc).__name__)


def response_hook(client: redis.Redis) -> Callable[[int | None], None]:
    """The ``on_response`` callback of the worker's HubSpot client."""
    return lambda status_code: hubspot_response(client, status_code, time.time())


def rate_limit_wait(client: redis.Redis, kind: str) -> None:
    """Count one job sent to wait for a rate limit (``rate_limited`` or ``throttled``)."""
    Counters(client=client).incr(RATE_LIMIT_WAITS_COUNTER, {"kind": kind})
