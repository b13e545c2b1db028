"""The per-portal budget counts calls when they are made, not at their booked slot (issue 10
defect 4): a late booked job must not stack its call on the calls made since its slot."""

from __future__ import annotations

import time

import pytest
import redis

from worker.ratelimit import PortalBudgetExhausted, RateLimiter

pytestmark = pytest.mark.services

HUB = 5151


def _wait(rl: RateLimiter, holder: str) -> float:
    try:
        rl.acquire(hub_id=HUB, holder=holder, search=True)
    except PortalBudgetExhausted as exc:
        return exc.delay_s
    return 0.0


def test_a_late_booking_waits_when_the_calls_made_since_fill_the_window(redis_url: str) -> None:
    """Budget 2 per second: "c" is booked behind "a" and "b"; by the time it comes, three calls
    were made in the last second, so it waits for one to age out instead of making a fourth."""
    rl = RateLimiter(client=redis.Redis.from_url(redis_url), burst_per_10s=0, search_per_s=2)
    assert [_wait(rl, "a"), _wait(rl, "b")] == [0.0, 0.0]
    booked = _wait(rl, "c")
    assert 0 < booked <= 1.0
    time.sleep(booked + 0.1)
    for holder in ("x", "y", "z"):  # calls made meanwhile (a refresh retry, recovered reads)
        rl.record(hub_id=HUB, holder=holder, search=True)

    later = _wait(rl, "c")

    assert 0.5 < later <= 1.0
    time.sleep(later + 0.05)
    assert _wait(rl, "c") == 0.0
