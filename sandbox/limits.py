"""HubSpot's per-portal request limits: a rolling 10-second burst window and a per-second search
window (facts section 3), each a deque of timestamps, O(1) amortised per request.

Windows read the sandbox clock's monotonic time, so ``POST /_sandbox/clock`` also empties them.
A refused request does not enter the window (HubSpot's exact accounting is UNCONFIRMED).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable

from sandbox.clock import Clock

#: The burst window, as ``X-HubSpot-RateLimit-Interval-Milliseconds`` states it.
BURST_WINDOW_SECONDS = 10.0
SEARCH_WINDOW_SECONDS = 1.0


class RollingWindows:
    """One rolling window per key, sharing a limit that 0 switches off."""

    def __init__(self, *, clock: Clock, limit: int, window: float) -> None:
        self._clock = clock
        self.limit = limit
        self.window = window
        self._events: dict[Hashable, deque[float]] = {}

    def acquire(self, key: Hashable) -> int | None:
        """Count one request for ``key``; the requests left in the window, or None if refused.

        With the limit off it answers -1 (no headers to send).
        """
        limit = self.limit
        if limit <= 0:
            return -1
        now = self._clock.monotonic()
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque()
        horizon = now - self.window
        while events and events[0] <= horizon:
            events.popleft()
        if len(events) >= limit:
            return None
        events.append(now)
        return limit - len(events)


class Limits:
    """Both of HubSpot's limits for public apps: burst per (app, portal), search per portal."""

    def __init__(self, *, clock: Clock, burst_per_10s: int, search_per_second: int) -> None:
        self.burst = RollingWindows(clock=clock, limit=burst_per_10s, window=BURST_WINDOW_SECONDS)
        self.search = RollingWindows(
            clock=clock, limit=search_per_second, window=SEARCH_WINDOW_SECONDS
        )

    def configure(self, *, burst_per_10s: int | None, search_per_second: int | None) -> None:
        """Change the limits in place (``POST /_sandbox/limits``); None keeps one as it is."""
        if burst_per_10s is not None:
            self.burst.limit = burst_per_10s
        if search_per_second is not None:
            self.search.limit = search_per_second

    def burst_headers(self, remaining: int) -> list[tuple[bytes, bytes]]:
        """``X-HubSpot-RateLimit-*`` headers for a non-search response (facts 2.9)."""
        return [
            (b"x-hubspot-ratelimit-interval-milliseconds", b"10000"),
            (b"x-hubspot-ratelimit-max", str(self.burst.limit).encode()),
            (b"x-hubspot-ratelimit-remaining", str(remaining).encode()),
        ]
