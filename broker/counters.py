"""Event counters shared by every process, kept in Redis so the web's ``/metrics`` can show them.

Workers and schedulers are separate processes (often on other machines) from the web process that
Prometheus scrapes, so an in-process ``prometheus_client`` counter would never be seen. Each event
is one ``HINCRBY`` on one hash instead; the web's collector (``producer.api.metrics``) reads the
hash at scrape time. Field names carry the metric name and its labels, never an identifier (an
account or job id in a label would make one series per account).

Counting is best effort: a Redis hiccup loses a count, never the work being counted. A flushed
Redis restarts the counters at zero, which Prometheus reads as a counter reset.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import redis

from core.logging import get_logger

log = get_logger(__name__)

#: The hash holding every counter: field ``name|k=v,k=v`` -> count.
COUNTERS_KEY = "ha:metrics:counters"
#: The hash holding every histogram: ``name|le=B,k=v`` -> observations in that bucket alone (not
#: cumulative: the collector adds them up), ``name:sum|k=v`` and ``name:count|k=v``. Apart from
#: the counters so that the counters' collector never reads a bucket as a counter.
HISTOGRAMS_KEY = "ha:metrics:histograms"

#: Token refreshes by ``outcome`` (ok, failed, revoked, skipped) and ``trigger`` (scheduled,
#: inline): ``skipped`` is a scheduled refresh that found its token already replaced or not due.
REFRESH_COUNTER = "hubspot_actions_token_refreshes"

#: Jobs reaching a terminal status, by ``tool`` and ``outcome`` (succeeded, failed, cancelled).
JOBS_COUNTER = "hubspot_actions_jobs"
#: Failed jobs by ``tool`` and error ``code`` (a stable code of DESIGN.md section 6).
JOB_ERRORS_COUNTER = "hubspot_actions_job_errors"
#: HubSpot CRM answers by ``status_class``: 2xx, 4xx, 429, 5xx, or ``error`` (no answer).
HUBSPOT_REQUESTS_COUNTER = "hubspot_actions_hubspot_requests"
#: Jobs sent to wait for a rate limit, by ``kind``: ``rate_limited`` (HubSpot answered 429) or
#: ``throttled`` (our own per-portal budget booked a later slot).
RATE_LIMIT_WAITS_COUNTER = "hubspot_actions_rate_limit_waits"

#: Seconds from when a job was due (``run_at``, else its submission) to its terminal outcome.
JOB_DURATION_HISTOGRAM = "hubspot_actions_job_duration_seconds"
#: Upper bounds of the duration buckets (``+Inf`` is implied).
JOB_DURATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

#: What each counter means, for the exposition's HELP line (other issues add theirs here).
COUNTER_HELP: dict[str, str] = {
    REFRESH_COUNTER: "Token refresh attempts by outcome (ok, failed, revoked, skipped) and trigger",
    JOBS_COUNTER: "Jobs that reached a terminal status, by tool and outcome",
    JOB_ERRORS_COUNTER: "Failed jobs by tool and error code",
    HUBSPOT_REQUESTS_COUNTER: "HubSpot CRM calls by answer: 2xx, 4xx, 429, 5xx, error (no answer)",
    RATE_LIMIT_WAITS_COUNTER: "Jobs sent to wait for a rate limit (HubSpot 429 or our budget)",
}

#: HELP lines and bucket bounds of the histograms.
HISTOGRAMS: dict[str, tuple[str, tuple[float, ...]]] = {
    JOB_DURATION_HISTOGRAM: (
        "Seconds from when a job was due (run_at, else submission) to its terminal outcome",
        JOB_DURATION_BUCKETS,
    ),
}


def encode_field(name: str, labels: Mapping[str, str] | None = None) -> str:
    """``name|k=v,k=v`` with labels sorted, so one series always has one field."""
    if not labels:
        return name
    return name + "|" + ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def decode_field(field: str) -> tuple[str, dict[str, str]]:
    """The inverse of :func:`encode_field` (malformed label pairs are dropped)."""
    name, _, rest = field.partition("|")
    labels: dict[str, str] = {}
    for pair in rest.split(",") if rest else ():
        key, sep, value = pair.partition("=")
        if sep and key:
            labels[key] = value
    return name, labels


class Counters:
    """Increment named, labelled counters in Redis; never raises for a Redis failure."""

    def __init__(self, *, client: redis.Redis, key: str = COUNTERS_KEY) -> None:
        self.client = client
        self.key = key

    def incr(self, name: str, labels: Mapping[str, str] | None = None, amount: int = 1) -> None:
        try:
            self.client.hincrby(self.key, encode_field(name, labels), amount)
        except redis.RedisError as exc:
            log.debug("metrics.count_failed", metric=name, error=type(exc).__name__)

    def observe(self, name: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        """One observation of histogram ``name`` (declared in ``HISTOGRAMS``), one round trip."""
        send_now(self.client, lambda pipe: observe_ops(pipe, name, value, labels), metric=name)


def send_now(
    client: redis.Redis,
    ops: Callable[[redis.client.Pipeline], object],
    *,
    failed: str = "metrics.count_failed",
    **about: str,
) -> None:
    """Send the commands ``ops`` queues in one round trip of their own. Best effort: a Redis
    error loses the count, logged as ``failed`` with ``about`` (what was being counted)."""
    try:
        pipe = client.pipeline(transaction=False)
        ops(pipe)
        pipe.execute()
    except redis.RedisError as exc:
        log.debug(failed, **about, error=type(exc).__name__)


def observe_ops(
    pipe: redis.client.Pipeline,
    name: str,
    value: float,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Queue one histogram observation on ``pipe``: its bucket, the sum and the count."""
    observe_many_ops(pipe, name, [value], labels)


def observe_many_ops(
    pipe: redis.client.Pipeline,
    name: str,
    values: Sequence[float],
    labels: Mapping[str, str] | None = None,
) -> None:
    """Queue several observations of one label set: one increment per bucket they fall in, one
    for the sum and one for the count (a coalesced batch's hundred durations in a few commands,
    not three hundred)."""
    if not values:
        return
    bounds = HISTOGRAMS[name][1]
    buckets: Counter[str] = Counter(
        next((repr(b) for b in bounds if value <= b), "+Inf") for value in values
    )
    base = dict(labels or {})
    for bucket, count in buckets.items():
        pipe.hincrby(HISTOGRAMS_KEY, encode_field(name, {**base, "le": bucket}), count)
    pipe.hincrbyfloat(HISTOGRAMS_KEY, encode_field(f"{name}:sum", base), sum(values))
    pipe.hincrby(HISTOGRAMS_KEY, encode_field(f"{name}:count", base), len(values))


def read_counters(client: redis.Redis, key: str = COUNTERS_KEY) -> dict[str, int]:
    """Every counter field and its value (for the web's collector and for tests)."""
    raw = client.hgetall(key)
    return {_text(k): int(v) for k, v in raw.items()}


def read_histograms(client: redis.Redis) -> dict[str, float]:
    """Every histogram field and its value (bucket counts, sums and counts)."""
    raw = client.hgetall(HISTOGRAMS_KEY)
    return {_text(k): float(v) for k, v in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
