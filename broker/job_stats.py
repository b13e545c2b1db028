"""A job's terminal outcome, counted once for ``/metrics`` and for the console's charts.

Workers record ``succeeded`` and ``failed`` (``worker.job_metrics``), the API records
``cancelled``: both stand on ``broker``, so the one function lives here. One pipeline, one round
trip: the outcome counter, the error code counter of a failure, the duration histogram and the
per-minute chart series.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import partial
from typing import TypedDict, Unpack

import redis

from broker.counters import (
    COUNTERS_KEY,
    JOB_DURATION_HISTOGRAM,
    JOB_ERRORS_COUNTER,
    JOBS_COUNTER,
    encode_field,
    observe_many_ops,
    send_now,
)
from broker.timeline import JOBS_SERIES, minute_of, minute_ops


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
    job_outcomes_ops(pipe, [job])


def job_outcomes_ops(pipe: redis.client.Pipeline, jobs: Sequence[JobOutcome]) -> None:
    """The same for several jobs, added up: one increment per tool and outcome, error code,
    histogram bucket and minute, whatever the number of jobs. Counting a coalesced batch job by
    job made six commands per job, a fifth of the worker's time in a bulk run going to packing
    them (bench/README.md)."""
    outcomes: Counter[tuple[str, str]] = Counter()
    errors: Counter[tuple[str, str]] = Counter()
    durations: dict[str, list[float]] = defaultdict(list)
    minutes: Counter[tuple[str, float]] = Counter()
    for job in jobs:
        tool, outcome, code = job["tool"], job["outcome"], job["code"]
        outcomes[(tool, outcome)] += 1
        if outcome == "failed" and code:
            errors[(tool, code)] += 1
        durations[tool].append(max(0.0, job["duration_s"]))
        minutes[(outcome, minute_of(job["now"]) * 60.0)] += 1
    for (tool, outcome), count in outcomes.items():
        labels = {"tool": tool, "outcome": outcome}
        pipe.hincrby(COUNTERS_KEY, encode_field(JOBS_COUNTER, labels), count)
    for (tool, code), count in errors.items():
        labels = {"tool": tool, "code": code}
        pipe.hincrby(COUNTERS_KEY, encode_field(JOB_ERRORS_COUNTER, labels), count)
    for tool, values in durations.items():
        observe_many_ops(pipe, JOB_DURATION_HISTOGRAM, values, {"tool": tool})
    for (outcome, minute_start), count in minutes.items():
        minute_ops(pipe, JOBS_SERIES, {"outcome": outcome}, now=minute_start, amount=count)


def count_job_outcome(client: redis.Redis, **job: Unpack[JobOutcome]) -> None:
    """Count one job reaching ``outcome`` now, in one round trip (best effort: never raises
    for Redis)."""
    send_now(client, partial(job_outcome_ops, **job), metric=JOBS_COUNTER)
