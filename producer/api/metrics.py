"""What ``/metrics`` shows beyond this process: counters that workers and schedulers keep in
Redis, and the schedules' sizes and lag, read when Prometheus scrapes.

The web process never sees a worker's events, so workers count them in Redis
(``broker.counters``) and a custom collector turns the hash into Prometheus counters at scrape time.
Gauges about shared state (schedule sizes, how late the oldest due entry is) are computed then
too, so every web process reports the same numbers. Other areas add a *provider* (a function from
a Redis client and the time to metric families) to ``PROVIDERS``; no label ever names an account
or a job.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from broker.counters import (
    COUNTER_HELP,
    HISTOGRAMS,
    decode_field,
    encode_field,
    read_counters,
    read_histograms,
)
from broker.redis_broker import ALL_QUEUES, DRAMATIQ_NAMESPACE
from broker.schedule import JOB_SCHEDULE, REFRESH_SCHEDULE

Provider = Callable[[redis.Redis, float], Iterable[Metric]]

#: The schedules whose size and lag are reported, by label value.
SCHEDULES = {"refresh": REFRESH_SCHEDULE, "jobs": JOB_SCHEDULE}


def redis_counters(client: redis.Redis, now: float) -> Iterator[Metric]:
    """Every counter of ``broker.counters``, one family per name, labels from the field."""
    families: dict[str, CounterMetricFamily] = {}
    label_names: dict[str, list[str]] = {}
    for field, value in sorted(read_counters(client).items()):
        name, labels = decode_field(field)
        keys = sorted(labels)
        family = families.get(name)
        if family is None:
            help_text = COUNTER_HELP.get(name, "Events counted by the workers and schedulers")
            family = families[name] = CounterMetricFamily(name, help_text, labels=keys)
            label_names[name] = keys
        if keys != label_names[name]:
            continue  # a field with other label names would break the family: skip it
        family.add_metric([labels[k] for k in keys], float(value))
    yield from families.values()


def schedule_gauges(client: redis.Redis, now: float) -> Iterator[Metric]:
    """Entries per schedule, and how far behind the oldest due entry is (0 when none is due)."""
    size = GaugeMetricFamily(
        "hubspot_actions_schedule_entries", "Entries waiting in a schedule", labels=["schedule"]
    )
    lag = GaugeMetricFamily(
        "hubspot_actions_schedule_lag_seconds",
        "How long the oldest entry of a schedule has been due and not yet claimed",
        labels=["schedule"],
    )
    pipe = client.pipeline(transaction=False)
    for key in SCHEDULES.values():
        pipe.zcard(key)
        pipe.zrange(key, 0, 0, withscores=True)
    answers = pipe.execute()
    for index, label in enumerate(SCHEDULES):
        count, oldest = answers[2 * index], answers[2 * index + 1]
        size.add_metric([label], float(count))
        due = float(oldest[0][1]) if oldest else now
        lag.add_metric([label], max(0.0, now - due))
    yield size
    yield lag


def redis_histograms(client: redis.Redis, now: float) -> Iterator[Metric]:
    """Every histogram of ``broker.counters.HISTOGRAMS``: buckets made cumulative here."""
    fields = read_histograms(client)
    series: dict[str, set[tuple[tuple[str, str], ...]]] = {name: set() for name in HISTOGRAMS}
    for field in fields:
        name, labels = decode_field(field)
        base_name = name.removesuffix(":count")
        if name.endswith(":count") and base_name in series:
            series[base_name].add(tuple(sorted(labels.items())))
    for name, (help_text, bounds) in HISTOGRAMS.items():
        keys = sorted({k for pairs in series[name] for k, _ in pairs})
        family = HistogramMetricFamily(name, help_text, labels=keys)
        for pairs in sorted(series[name]):
            if [k for k, _ in pairs] != keys:
                continue  # other label names would break the family: skip it
            buckets, total = _cumulative(fields, name, dict(pairs), bounds)
            family.add_metric([v for _, v in pairs], buckets, total)
        yield family


def _cumulative(
    fields: dict[str, float], name: str, labels: dict[str, str], bounds: tuple[float, ...]
) -> tuple[list[tuple[str, float]], float]:
    """One series' cumulative buckets (stored per bucket) and its sum."""
    buckets, running = [], 0.0
    for bound in [*(repr(b) for b in bounds), "+Inf"]:
        running += fields.get(encode_field(name, {**labels, "le": bound}), 0.0)
        buckets.append((bound, running))
    return buckets, fields.get(encode_field(f"{name}:sum", labels), 0.0)


def queue_gauges(client: redis.Redis, now: float) -> Iterator[Metric]:
    """Messages waiting in each Dramatiq queue (not yet taken by a worker)."""
    depth = GaugeMetricFamily(
        "hubspot_actions_queue_depth",
        "Messages waiting in a Dramatiq queue, not yet taken by a worker",
        labels=["queue"],
    )
    pipe = client.pipeline(transaction=False)
    for queue in ALL_QUEUES:
        pipe.llen(f"{DRAMATIQ_NAMESPACE}:{queue}")
    for queue, count in zip(ALL_QUEUES, pipe.execute(), strict=True):
        depth.add_metric([queue], float(count))
    yield depth


#: Providers run at every scrape, in order (other areas append theirs).
PROVIDERS: list[Provider] = [redis_counters, redis_histograms, schedule_gauges, queue_gauges]


class RedisCollector(Collector):
    """Runs the providers; Redis being down shows as ``hubspot_actions_redis_up 0``."""

    def __init__(
        self,
        *,
        client: redis.Redis,
        providers: list[Provider],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.providers = providers
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        up = 1.0
        for provider in self.providers:
            try:
                metrics = list(provider(self.client, now))
            except redis.RedisError:
                up = 0.0
                continue
            yield from metrics
        yield GaugeMetricFamily(
            "hubspot_actions_redis_up", "Whether Redis answered the metrics scrape", value=up
        )


def render_shared_metrics(client: redis.Redis, providers: list[Provider] | None = None) -> bytes:
    """The exposition text of the shared metrics (a fresh registry per scrape: nothing global
    to register twice when several apps live in one process, as in tests)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RedisCollector(client=client, providers=providers or PROVIDERS))
    return generate_latest(registry)
