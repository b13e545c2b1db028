"""Schedules: Redis sorted sets of ids scored by due time (epoch seconds).

One mechanism serves token refreshes (due ahead of each token's expiry), ``run_at`` jobs, jobs
waiting out a backoff or a rate limit, and webhook deliveries waiting for their next attempt.
Dramatiq's delayed messages are not used for any of it:
workers hold those in memory, unacked, and tens of thousands of them starve everything else.

``claim_due`` takes due entries atomically (a Lua script: range then remove), so several schedulers
can run side by side and each entry goes to exactly one of them; its cost grows with the number of
due entries, not with the size of the set. Redis is not the source of truth: a claimed entry whose
follow-up is lost, or a flushed Redis, is rebuilt from SQL by the sweep.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

import redis

#: Sorted-set keys.
REFRESH_SCHEDULE = "ha:schedule:refresh"
JOB_SCHEDULE = "ha:schedule:jobs"
#: Webhook deliveries (ids) by the time of their next attempt (DESIGN.md s14).
WEBHOOK_SCHEDULE = "ha:schedule:webhooks"
#: Set by each scheduler tick with a short expiry: the web's readiness reads it.
HEARTBEAT_KEY = "ha:scheduler:heartbeat"

_CLAIM_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then
    redis.call('ZREM', KEYS[1], unpack(due))
end
return due
"""


class Schedule:
    """One sorted set: ids scored by due time."""

    def __init__(self, *, client: redis.Redis, key: str) -> None:
        self.client = client
        self.key = key
        self._claim = client.register_script(_CLAIM_DUE)

    def add(self, member: str, due: float) -> None:
        self.client.zadd(self.key, {member: due})

    def add_many(self, entries: Mapping[str, float]) -> None:
        if entries:
            self.client.zadd(self.key, dict(entries))

    def remove(self, member: str) -> None:
        self.client.zrem(self.key, member)

    def claim_due(self, now: float, *, limit: int = 500) -> list[str]:
        """Take up to ``limit`` entries due at ``now``; each is returned to one caller only."""
        raw = self._claim(keys=[self.key], args=[repr(now), limit])
        return [m.decode() if isinstance(m, bytes) else str(m) for m in raw]

    def due_of(self, members: list[str]) -> list[float | None]:
        """Each member's due time, or None when it is not scheduled."""
        if not members:
            return []
        scores = self.client.zmscore(self.key, members)
        return [None if s is None else float(s) for s in scores]

    def size(self) -> int:
        return int(self.client.zcard(self.key))


def refresh_due_at(
    expires_at: float,
    *,
    margin_s: float,
    lifetime_s: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """When to refresh a token expiring at ``expires_at``: the margin ahead, minus a jitter of at
    most min(30 s, 10% of the margin) so tokens issued together are not all refreshed together.

    A token living less than twice the margin (``lifetime_s``, when known) is refreshed at
    half-life instead: otherwise every new token would be due the moment it is issued.
    """
    if lifetime_s is not None:
        margin_s = min(margin_s, lifetime_s / 2)
    jitter_cap = min(30.0, margin_s * 0.1)
    return expires_at - margin_s - (rng or random).uniform(0, jitter_cap)
