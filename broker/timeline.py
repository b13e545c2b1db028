"""Per-minute event counts for the console's charts, kept in Redis for two hours.

Prometheus counters answer "how many since the process started"; the console draws "how many in
each of the last minutes" without a Prometheus server to ask. Each minute is one small hash
(``ha:metrics:minute:<epoch minute>``) of fields such as ``jobs|outcome=failed`` or
``calls|hub=123``, incremented with ``HINCRBY`` and set to expire: Redis forgets old minutes by
itself, so the set of keys never grows past ``RETENTION_S``.

Hub ids may appear here (a portal's calls against its budget is what the operator asks about) but
never in a Prometheus label: the collector of ``producer.api.metrics`` does not read these hashes.
Like the counters, writing is best effort: a Redis hiccup loses a count, never the work.
"""

from __future__ import annotations

from collections.abc import Mapping

import redis

from broker.counters import decode_field, encode_field, send_now

#: Key prefix of the per-minute hashes.
MINUTE_PREFIX = "ha:metrics:minute:"
#: How long a minute is kept (the charts show at most this much).
RETENTION_S = 2 * 3600 + 120

#: Series names (the field's name part).
JOBS_SERIES = "jobs"
CALLS_SERIES = "calls"


def minute_of(epoch_s: float) -> int:
    return int(epoch_s // 60)


def count_minute(
    client: redis.Redis,
    series: str,
    labels: Mapping[str, str],
    *,
    now: float,
    amount: int = 1,
) -> None:
    """Add ``amount`` to ``series{labels}`` in the minute of ``now``."""
    send_now(
        client,
        lambda pipe: minute_ops(pipe, series, labels, now=now, amount=amount),
        failed="metrics.minute_failed",
        series=series,
    )


def minute_ops(
    pipe: redis.client.Pipeline,
    series: str,
    labels: Mapping[str, str],
    *,
    now: float,
    amount: int = 1,
) -> None:
    """Queue the increment of ``count_minute`` on ``pipe`` (to share another's round trip)."""
    key = f"{MINUTE_PREFIX}{minute_of(now)}"
    pipe.hincrby(key, encode_field(series, labels), amount)
    pipe.expire(key, RETENTION_S)


def read_minutes(
    client: redis.Redis, series: str, *, now: float, minutes: int
) -> list[tuple[int, dict[tuple[tuple[str, str], ...], int]]]:
    """The last ``minutes`` minutes (oldest first, the current one last) of ``series``: for each
    minute its epoch minute and the count per label set (sorted label pairs)."""
    last = minute_of(now)
    wanted = list(range(last - minutes + 1, last + 1))
    pipe = client.pipeline(transaction=False)
    for minute in wanted:
        pipe.hgetall(f"{MINUTE_PREFIX}{minute}")
    out = []
    for minute, raw in zip(wanted, pipe.execute(), strict=True):
        counts: dict[tuple[tuple[str, str], ...], int] = {}
        for field, value in raw.items():
            name, labels = decode_field(field.decode() if isinstance(field, bytes) else field)
            if name == series:
                counts[tuple(sorted(labels.items()))] = int(value)
        out.append((minute, counts))
    return out
