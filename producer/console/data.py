"""What the console's pages show, read from the store and Redis (no HTML here)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from broker.schedule import JOB_SCHEDULE, REFRESH_SCHEDULE
from producer.services import Services
from schemas.accounts import ConnectedAccountView
from store.accounts import AccountRecord

#: Most accounts listed on one page, and schedule entries shown per schedule.
MAX_ACCOUNTS = 200
SCHEDULE_ENTRIES_SHOWN = 20


@dataclass(frozen=True)
class ScheduleEntry:
    member: str
    due_at: datetime
    due_in_s: float


@dataclass(frozen=True)
class ScheduleSummary:
    name: str
    size: int
    lag_s: float
    entries: list[ScheduleEntry]


def accounts(services: Services) -> list[ConnectedAccountView]:
    records: list[AccountRecord]
    records, _ = services.accounts.list_page(status=None, limit=MAX_ACCOUNTS, after=None)
    return [services.accounts.view(r) for r in records]


def schedules(services: Services) -> list[ScheduleSummary]:
    """Both schedules: size, how late the oldest due entry is, the next entries by due time."""
    now = time.time()
    client = services.ctx.redis
    out = []
    for name, key in (("refresh", REFRESH_SCHEDULE), ("jobs", JOB_SCHEDULE)):
        size = int(client.zcard(key))
        first = cast(
            list[tuple[bytes | str, float]],
            client.zrange(key, 0, SCHEDULE_ENTRIES_SHOWN - 1, withscores=True),
        )
        entries = [
            ScheduleEntry(
                member=member.decode() if isinstance(member, bytes) else str(member),
                due_at=datetime.fromtimestamp(float(score), UTC),
                due_in_s=float(score) - now,
            )
            for member, score in first
        ]
        lag = max(0.0, now - float(first[0][1])) if first else 0.0
        out.append(ScheduleSummary(name=name, size=size, lag_s=lag, entries=entries))
    return out
