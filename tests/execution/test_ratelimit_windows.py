"""The per-portal budget (``worker.ratelimit``) on a real Redis: admit, book, spend, stay apart."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import redis

from worker.decisions import AttemptState, DecisionTable, Wait, WaitKind
from worker.ratelimit import (
    BURST_WINDOW_MS,
    PortalBudgetExhausted,
    RateLimiter,
    window_key,
)

pytestmark = pytest.mark.services

HUB = 4242


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def limiter(client: redis.Redis, *, burst: int = 3, search: int = 2) -> RateLimiter:
    return RateLimiter(client=client, burst_per_10s=burst, search_per_s=search)


def booked_wait(rl: RateLimiter, holder: str, *, hub: int = HUB, search: bool = False) -> float:
    """The wait ``acquire`` books for ``holder`` (0 when it may call now)."""
    try:
        rl.acquire(hub_id=hub, holder=holder, search=search)
    except PortalBudgetExhausted as exc:
        return exc.delay_s
    return 0.0


def test_calls_within_budget_go_at_once_and_the_next_ones_are_booked_apart(
    client: redis.Redis,
) -> None:
    """Three calls fit in the window; the next ones are booked from the moment the window frees,
    spaced at the budget's average pace (window / limit), never all at the same moment."""
    rl = limiter(client)
    assert [booked_wait(rl, f"job{i}") for i in range(3)] == [0.0, 0.0, 0.0]
    waits = [booked_wait(rl, f"job{i}") for i in range(3, 7)]
    window_s = BURST_WINDOW_MS / 1000
    assert 9.0 <= waits[0] <= window_s
    gaps = [later - earlier for earlier, later in pairwise(waits)]
    assert all(gap >= window_s / 3 - 0.01 for gap in gaps)
    assert waits[3] >= 2 * window_s - 1.0  # the fourth booking: a window after the first


def test_asking_again_keeps_the_same_booking(client: redis.Redis) -> None:
    """A booked job asking again is told its remaining wait; no second slot is taken."""
    rl = limiter(client, burst=1)
    assert booked_wait(rl, "first") == 0.0
    wait = booked_wait(rl, "second")
    size = client.zcard(window_key(HUB, "burst"))
    again = booked_wait(rl, "second")
    assert 0 < again <= wait
    assert client.zcard(window_key(HUB, "burst")) == size


def test_a_booking_is_spent_when_it_comes_due(client: redis.Redis) -> None:
    """When its slot comes, the booked job goes without queueing behind newcomers."""
    rl = limiter(client, search=1)
    assert booked_wait(rl, "a", search=True) == 0.0
    wait = booked_wait(rl, "b", search=True)
    assert 0 < wait <= 1.0
    time.sleep(wait + 0.05)
    assert booked_wait(rl, "b", search=True) == 0.0
    assert booked_wait(rl, "c", search=True) > 0  # b's slot was b's


def test_portals_and_kinds_have_their_own_windows(client: redis.Redis) -> None:
    """A full portal does not slow another; search does not use the burst budget."""
    rl = limiter(client, burst=1, search=1)
    assert booked_wait(rl, "a") == 0.0
    assert booked_wait(rl, "b") > 0
    assert booked_wait(rl, "c", hub=HUB + 1) == 0.0
    assert booked_wait(rl, "d", search=True) == 0.0


def test_zero_turns_a_budget_off(client: redis.Redis) -> None:
    """With both budgets 0 every call goes and Redis is not touched."""
    rl = limiter(client, burst=0, search=0)
    assert all(booked_wait(rl, f"j{i}", search=i % 2 == 0) == 0.0 for i in range(50))
    assert client.keys("ha:rl:*") == []


def test_extra_calls_are_counted(client: redis.Redis) -> None:
    """A call made outside acquire (retry after a refresh) fills the window like any other."""
    rl = limiter(client, burst=2)
    rl.record(hub_id=HUB, holder="a", search=False)
    assert booked_wait(rl, "b") == 0.0
    assert booked_wait(rl, "c") > 0


def test_a_booked_wait_is_free_for_the_job() -> None:
    """The policy turns an exhausted budget into a wait that is neither an attempt nor one of
    HubSpot's bounded rate-limit waits, even past the job's deadline."""
    now = datetime.now(UTC)
    state = AttemptState(
        attempts=7,
        rate_waits=10,
        first_rate_wait_at=now - timedelta(hours=2),
        deadline_at=now - timedelta(minutes=1),
        retry_unknown_outcome=False,
    )
    full = PortalBudgetExhausted("full", delay_s=4.2, hub_id=1)
    decision = DecisionTable().decide(full, state, now)
    assert isinstance(decision, Wait)
    assert decision.kind is WaitKind.THROTTLED
    assert decision.delay_s == 4.2
    assert not decision.uses_attempt
    assert not decision.is_rate_wait
