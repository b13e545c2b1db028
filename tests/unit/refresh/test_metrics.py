"""Shared metrics: counters kept in Redis and schedule gauges, exposed by the web's collector."""

from __future__ import annotations

import fakeredis
import redis

from broker.counters import Counters, decode_field, encode_field
from broker.schedule import REFRESH_SCHEDULE
from producer.api.metrics import render_shared_metrics
from tests.support.metrics import shared_samples


def test_counter_fields_round_trip_with_sorted_labels() -> None:
    """One series is always one hash field, whatever the label order."""
    field = encode_field("m", {"trigger": "inline", "outcome": "ok"})
    assert field == "m|outcome=ok,trigger=inline"
    assert decode_field(field) == ("m", {"outcome": "ok", "trigger": "inline"})
    assert decode_field("m") == ("m", {})


def test_counters_and_schedules_are_exposed_without_identifiers() -> None:
    """Refresh counters by outcome, schedule sizes and the oldest due entry's lag."""
    client: redis.Redis = fakeredis.FakeRedis()
    counters = Counters(client=client)
    for _ in range(3):
        counters.incr("hubspot_actions_token_refreshes", {"outcome": "ok", "trigger": "scheduled"})
    counters.incr("hubspot_actions_token_refreshes", {"outcome": "revoked", "trigger": "inline"})
    client.zadd(REFRESH_SCHEDULE, {"acc_a": 1000.0, "acc_b": 5_000_000_000.0})
    samples = shared_samples(client)
    ok = (("outcome", "ok"), ("trigger", "scheduled"))
    revoked = (("outcome", "revoked"), ("trigger", "inline"))
    assert samples[("hubspot_actions_token_refreshes_total", ok)] == 3
    assert samples[("hubspot_actions_token_refreshes_total", revoked)] == 1
    assert samples[("hubspot_actions_schedule_entries", (("schedule", "refresh"),))] == 2
    assert samples[("hubspot_actions_schedule_entries", (("schedule", "jobs"),))] == 0
    assert samples[("hubspot_actions_schedule_lag_seconds", (("schedule", "refresh"),))] > 1e9
    assert samples[("hubspot_actions_schedule_lag_seconds", (("schedule", "jobs"),))] == 0
    assert samples[("hubspot_actions_redis_up", ())] == 1
    assert "acc_" not in render_shared_metrics(client).decode()


def test_redis_down_shows_as_a_gauge_not_an_error() -> None:
    """An unreachable Redis answers the scrape with redis_up 0."""
    server = fakeredis.FakeServer()
    server.connected = False
    client: redis.Redis = fakeredis.FakeRedis(server=server)
    samples = shared_samples(client)
    assert samples == {("hubspot_actions_redis_up", ()): 0}
