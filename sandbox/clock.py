"""The sandbox's sense of time: the real clock plus an offset that ``POST /_sandbox/clock`` moves.

Everything time-dependent (token and code expiry, record timestamps, rate-limit windows) reads
this one clock, so a test can jump 30 minutes ahead instead of sleeping. Time only moves forward.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime


class Clock:
    """Wall-clock and monotonic readings, both shifted by the same travel offset."""

    def __init__(
        self,
        *,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._wall = wall
        self._monotonic = monotonic
        self.offset = 0.0

    def now(self) -> float:
        """Epoch seconds, as HubSpot's servers would read them after any time travel."""
        return self._wall() + self.offset

    def now_ms(self) -> int:
        """Epoch milliseconds: HubSpot's resolution for timestamps."""
        return int(self.now() * 1000)

    def monotonic(self) -> float:
        """Seconds for measuring windows; advancing the clock also ages every window."""
        return self._monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        """Travel forward; negative values are refused because expiry must never un-happen."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self.offset += seconds


def iso_ms(epoch_ms: int) -> str:
    """HubSpot's timestamp format: ``2026-03-10T23:04:41.164Z`` (always milliseconds, UTC)."""
    seconds, millis = divmod(epoch_ms, 1000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{millis:03d}Z"
