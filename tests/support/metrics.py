"""The shared metrics (the counters kept in Redis) as the web's ``/metrics`` renders them."""

from __future__ import annotations

import redis
from prometheus_client.parser import text_string_to_metric_families

from producer.api.metrics import render_shared_metrics

#: ``(sample name, sorted labels) -> value``.
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def shared_samples(client: redis.Redis) -> Samples:
    """Every sample ``render_shared_metrics`` gives for ``client``'s counters."""
    text = render_shared_metrics(client).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
