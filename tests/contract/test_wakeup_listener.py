"""The wake-up listener survives what the channel and the connection throw at it (issue 10
defect 7): a payload that is not UTF-8, and repeated connection kills."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from broker.redis_broker import redis_client
from broker.wakeup import (
    RECONNECT_BACKOFF_MIN_S,
    WAKEUP_CHANNEL,
    WAKEUP_CLIENT_NAME,
    WakeupHub,
    publish_wakeup,
)

pytestmark = pytest.mark.services

#: A name of our own, so that other listeners on the shared server are never killed.
CLIENT_NAME = f"{WAKEUP_CLIENT_NAME}-test"


@pytest.fixture
def hub(redis_url: str) -> Iterator[WakeupHub]:
    made = WakeupHub(client_factory=lambda: redis_client(redis_url, client_name=CLIENT_NAME))
    yield made
    made.stop()


def _listener_ids(client: redis.Redis) -> list[int]:
    return [int(c["id"]) for c in client.client_list() if c.get("name") == CLIENT_NAME]


def _wait_connected(hub: WakeupHub, client: redis.Redis, count: int, timeout: float) -> float:
    """Seconds until the hub has subscribed ``count`` times and its connection is listed."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if hub.connections >= count and _listener_ids(client):
            return time.monotonic() - started
        time.sleep(0.01)
    raise AssertionError(f"listener not connected {count} times within {timeout} s")


def test_a_non_utf8_payload_does_not_stop_the_listener(hub: WakeupHub, redis_url: str) -> None:
    """b"\\xff" on the channel is ignored; the wake-up published after it sets the event."""
    client = redis.Redis.from_url(redis_url)
    event = hub.event_for("interactive")
    _wait_connected(hub, client, 1, timeout=5)
    event.clear()

    client.publish(WAKEUP_CHANNEL, b"\xff")
    publish_wakeup(client, {"interactive"})

    assert event.wait(2.0)
    assert hub.connections == 1
    client.close()


def test_the_reconnect_backoff_resets_after_each_successful_connect(
    hub: WakeupHub, redis_url: str
) -> None:
    """Eight connection kills in a row: each time the listener is back within a second (the
    backoff starts again from its minimum), and wake-ups are handled after the last one."""
    client = redis.Redis.from_url(redis_url)
    event = hub.event_for("bulk")
    _wait_connected(hub, client, 1, timeout=5)
    gaps: list[float] = []
    for kill in range(8):
        for client_id in _listener_ids(client):
            client.client_kill_filter(_id=str(client_id))
        gaps.append(_wait_connected(hub, client, kill + 2, timeout=10))

    assert max(gaps) < RECONNECT_BACKOFF_MIN_S + 1.0, gaps
    event.clear()
    publish_wakeup(client, {"bulk"})
    assert event.wait(2.0)
    client.close()
