"""When a failed webhook delivery is tried again, and when it is given up."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class DeliveryBackoff:
    """Exponential backoff with jitter, bounded by a retry window from the event's creation.

    Equal jitter (half the step fixed, half random) rather than full jitter: a receiver that
    came back gets the retries spread out, yet no retry lands immediately after a failure.
    """

    base_s: float = 5.0
    max_s: float = 3600.0
    window_s: float = 86400.0

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        """The wait after the ``attempts``-th failed attempt (1 for the first)."""
        step: float = min(self.max_s, self.base_s * 2.0 ** max(0, attempts - 1))
        return step / 2 + (rng or random).uniform(0, step / 2)

    def gives_up(self, age_s: float, delay_s: float) -> bool:
        """True when the next attempt would fall outside the retry window."""
        return age_s + delay_s > self.window_s
