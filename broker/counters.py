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

from collections.abc import Mapping

import redis

from core.logging import get_logger

log = get_logger(__name__)

#: The hash holding every counter: field ``name|k=v,k=v`` -> count.
COUNTERS_KEY = "ha:metrics:counters"

#: Token refreshes by ``outcome`` (ok, failed, revoked, skipped) and ``trigger`` (scheduled,
#: inline): ``skipped`` is a scheduled refresh that found its token already replaced or not due.
REFRESH_COUNTER = "hubspot_actions_token_refreshes"

#: What each counter means, for the exposition's HELP line (other issues add theirs here).
COUNTER_HELP: dict[str, str] = {
    REFRESH_COUNTER: "Token refresh attempts by outcome (ok, failed, revoked, skipped) and trigger",
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


def read_counters(client: redis.Redis, key: str = COUNTERS_KEY) -> dict[str, int]:
    """Every counter field and its value (for the web's collector and for tests)."""
    raw = client.hgetall(key)
    return {_text(k): int(v) for k, v in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
