"""A job's terminal outcome, counted once for ``/metrics`` and for the console's charts.

Workers record ``succeeded`` and ``failed`` (``worker.job_metrics``), the API records
``cancelled``: both stand on ``broker``, so the one function lives here. One pipeline, one round
trip: the outcome counter, the error code counter of a failure, the duration histogram and the
per-minute chart series.
"""

from __future__ import annotations

import redis

from broker.counters import (
    COUNTERS_KEY,
    JOB_DURATION_HISTOGRAM,
    JOB_ERRORS_COUNTER,
    JOBS_COUNTER,
    encode_field,
    observe_ops,
)
from broker.timeline import JOBS_SERIES, minute_ops
from core.logging import get_logger

log = get_logger(__name__)


def job_outcome_ops(
    pipe: redis.client.Pipeline,
    *,
    tool: str,
    outcome: str,
    code: str | None,
    duration_s: float,
    now: float,
) -> None:
    """Add the commands counting one job reaching ``outcome`` to ``pipe`` (a pipeline), so a
    caller that batches its writes (the worker's ``RedisBatcher``) sends them with others."""
    pipe.hincrby(COUNTERS_KEY, encode_field(JOBS_COUNTER, {"tool": tool, "outcome": outcome}))
    if outcome == "failed" and code:
        pipe.hincrby(COUNTERS_KEY, encode_field(JOB_ERRORS_COUNTER, {"tool": tool, "code": code}))
    observe_ops(pipe, JOB_DURATION_HISTOGRAM, max(0.0, duration_s), {"tool": tool})
    minute_ops(pipe, JOBS_SERIES, {"outcome": outcome}, now=now)


def count_job_outcome(
    client: redis.Redis,
    *,
    tool: str,
    outcome: str,
    code: str | None,
    duration_s: float,
    now: float,
) -> None:
    """Count one job reaching ``outcome`` now, in one round trip (best effort: never raises
    for Redis)."""
    try:
        pipe = client.pipeline(transaction=False)
        job_outcome_ops(pipe, tool=tool, outcome=outcome, code=code, duration_s=duration_s, now=now)
        pipe.execute()
    except redis.RedisError as exc:
        log.debug("metrics.count_failed", metric=JOBS_COUNTER, error=type(exc).__name__)
