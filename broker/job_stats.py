"""A job's terminal outcome, counted once for ``/metrics`` and for the console's charts.

Workers record ``succeeded`` and ``failed`` (``worker.job_metrics``), the API records
``cancelled``: both stand on ``broker``, so the one function lives here. One pipeline, one round
trip: the outcome counter, the error code counter of a failure, the duration histogram and the
per-minute chart series.
"""

from __future__ import annotations

from functools import partial

import redis

from broker.counters import (
    COUNTERS_KEY,
    JOB_DURATION_HISTOGRAM,
    JOB_ERRORS_COUNTER,
    JOBS_COUNTER,
    encode_field,
    observe_ops,
    send_now,
)
from broker.timeline import JOBS_SERIES, minute_ops


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
    ops = partial(
        job_outcome_ops, tool=tool, outcome=outcome, code=code, duration_s=duration_s, now=now
    )
    send_now(client, ops, metric=JOBS_COUNTER)
