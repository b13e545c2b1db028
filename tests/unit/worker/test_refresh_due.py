"""When a refresh is due: the margin ahead with bounded jitter, half-life for short tokens."""

from __future__ import annotations

import random

from broker.schedule import refresh_due_at


def test_due_is_margin_ahead_with_bounded_jitter() -> None:
    """Due between expiry - margin - min(30 s, 10% of margin) and expiry - margin."""
    rng = random.Random(1)
    for _ in range(200):
        due = refresh_due_at(10_000.0, margin_s=300, rng=rng)
        assert 10_000 - 300 - 30 <= due <= 10_000 - 300
    small = [refresh_due_at(1_000.0, margin_s=60, rng=rng) for _ in range(200)]
    assert all(1_000 - 60 - 6 <= d <= 1_000 - 60 for d in small)


def test_short_lived_tokens_are_refreshed_at_half_life() -> None:
    """A 60 s token with a 300 s margin is due around 30 s before expiry, not at once."""
    due = refresh_due_at(1_060.0, margin_s=300, lifetime_s=60, rng=random.Random(2))
    assert 1_060 - 30 - 3 <= due <= 1_060 - 30
    long_lived = refresh_due_at(2_800.0, margin_s=300, lifetime_s=1800, rng=random.Random(3))
    assert 2_800 - 330 <= long_lived <= 2_800 - 300
