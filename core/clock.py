"""Time as a dependency, so tests can travel in it instead of sleeping."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """What the code asks of time: wall-clock now (UTC) and epoch seconds."""

    def now(self) -> datetime: ...

    def time(self) -> float: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def time(self) -> float:
        return time.time()


def utcnow() -> datetime:
    """Timezone-aware now, for code that has no clock injected (entry points, defaults)."""
    return datetime.now(UTC)
