"""A job's terminal outcome, counted once for ``/metrics`` and for the console's charts.

Workers record ``succeeded`` and ``failed`` (``worker.job_metrics``), the API records
``cancelled``: both stand on ``broker``, so the one function lives here. One pipeline, one round
trip: the outcome counter, the error code counter of a failure, the duration histogram and the
per-minute chart series.
"""

from __future__ import annotations

from functools import partial
from typing import TypedDict, Unpack

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


class JobOutcome(TypedDict):
    """What is counted of one job reaching a terminal ``outcome`` (``code``: a failure's error
    code; ``duration_s``: from when it was due; ``now``: the epoch time it ended)."""

    tool: str
    outcome: str
    code: str | None
    duration_s: float
    now: float


def job_outcome_ops(pipe: redis.client.Pipeline, **job: Unpack[JobOutcome]) -> None:
    """Add the commands counting one job reaching ``outcome`` to ``pipe`` (a pipeline), so a
    caller that batches its writes (the worker's ``RedisBatcher``) sends them with others."""
    tool, outcome, code = job["tool"], job["outcome"], job["code"]
    pipe.hincrby(COUNTERS_KEY, encode_field(JOBS_COUNTER, {"tool": tool, "outcome": outcome}))
    if outcome == "failed" and code:
        pipe.hincrby(COUNTERS_KEY, encode_field(JOB_ERRORS_COUNTER, {"tool": tool, "code": code}))
    observe_ops(pipe, JOB_DURATION_HISTOGRAM, max(0.0, job["duration_s"]), {"tool": tool})
    minute_ops(pipe, JOBS_SERIES, {"outcome": outcome}, now=job["now"])


def count_job_outcome(client: redis.Redis, **job: Unpack[JobOutcome]) -> None:
    """Count one job reaching ``outcome`` now, in one round trip (best effort: never raises
    for Redis)."""
    send_now(client, partial(job_outcome_ops, **job), metric=JOBS_COUNTER)
