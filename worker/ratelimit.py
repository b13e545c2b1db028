"""Our own per-portal budget for HubSpot calls, enforced before each call, shared by all workers.

HubSpot limits each installing portal to 110 calls per rolling 10 s (search: 5 per second, counted
apart), whoever sends them. Running into that limit costs a 429 and a wait; worse, HubSpot asks
apps to keep errors under 5% of their calls. So every worker asks this limiter first, with our
budget (``HUBSPOT_RATE_LIMIT_PER_10S``, ``HUBSPOT_SEARCH_RATE_LIMIT_PER_S``; 0 switches one off)
set a little under HubSpot's, leaving room for the odd extra call (a retry after a refresh).

The window is a Redis sorted set per portal and kind, scored by milliseconds of Redis's own clock
(one clock for every worker machine), changed only by one Lua script, so concurrent workers never
over-admit. A call that does not fit is not refused but **booked**: the script reserves the first
moment the rolling window has room for it, counting the reservations already made, and answers the
wait. The job is deferred to exactly that moment through the job schedule (``retrying``, no worker
thread held, no attempt used) and, when it runs again, spends its reservation instead of asking
anew. So a backlog of 1,000 jobs for one portal is spread over the following windows at the
budget's pace (no thundering herd when they come due, no job deferred twice), and a portal that
has the workers to itself runs at its full budget. Other portals have their own windows: their
jobs are never deferred by this portal's backlog.

Booked slots are also spaced at least ``window / limit`` apart. A booked job calls HubSpot a little
after its slot (the scheduler's tick, the queue, the worker's pickup), so HubSpot sees a slightly
different rolling window from ours; how many extra calls that can put in one of HubSpot's windows
is the density of calls times that delay. Without spacing, the first window's burst (a whole
budget in a second or two) would be copied into every later window and a few hundred
milliseconds of delay would overflow the 10% headroom; with it, bookings run at the budget's
average rate, and a delay of up to a tenth of the window (1 s) stays within the headroom.

Some booked jobs come much later than their slot: a worker killed with their messages prefetched,
a lease re-run, the queue behind a 10,000-job submission, a scheduler that paused. A late call
counted at its *slot* (as it once was) reaches HubSpot seconds after the calls booked behind it
were planned, so HubSpot's window holds both: that is where the 429s within our budget came from
(about 10% of calls during worker kills). So every call is counted when it is let through, in a
second set of the calls really made (``:made``), and a due reservation is spent only if that set
has room in the last window (for a slot taken less than a tenth of a window late, the budget plus
``LATE_SLACK_FRACTION`` of it, so that ordinary jitter costs no second wait; later, the budget);
otherwise the reservation moves to the moment the oldest call ages out (a second, short wait,
only for late jobs). Our own count of calls made therefore stays within 105% of the budget in any
rolling window, whatever the lateness; the rest of the headroom is left for the delay between our
count and HubSpot's (network, a refresh, a busy machine).

A Redis flush loses the windows: for one window our budget does not know the calls made just
before, so at most one window's worth of calls can meet HubSpot's limit.

Redis commands used: ZREMRANGEBYSCORE, ZSCORE, ZREM, ZADD, ZCARD, ZRANGE, PEXPIRE, PTTL, TIME (all
in Redis 2.x; script effects replication, the default since Redis 5, makes TIME safe before
writes).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import redis

from worker.errors import PortalBudgetExhausted

__all__ = ["PortalBudgetExhausted", "RateLimiter"]

#: Key prefix of the windows: ``ha:rl:{hub_id}:burst`` and ``ha:rl:{hub_id}:search`` (the
#: timelines), each with its ``:made`` set of calls made.
KEY_PREFIX = "ha:rl:"
#: HubSpot's windows (facts section 3): rolling 10 s for ordinary calls, 1 s for search.
BURST_WINDOW_MS = 10_000
SEARCH_WINDOW_MS = 1_000
#: A reservation that comes due this early (clock skew between machines) is honoured anyway.
EARLY_TOLERANCE_MS = 50
#: A due reservation taken less than a tenth of the window late is spent while the calls made in
#: the last window are fewer than the limit plus this fraction of it: ordinary jitter (a slot
#: taken 100 ms late while the next one is on time) must not cost a second wait. Later than that
#: (kills, re-runs, a paused scheduler) the limit itself applies, leaving HubSpot's headroom to
#: the delay between our count and HubSpot's.
LATE_SLACK_FRACTION = 0.05

# KEYS[1] the timeline (calls made and reservations), KEYS[2] the calls made only.
# ARGV: limit, window (ms), holder (job id), member for a call made now, early tolerance (ms),
# late slack (calls).
# Returns the wait in ms: 0 means "call now" (the call is counted at now), otherwise a slot is
# reserved for the holder at now + wait (or the holder's existing reservation is that far off).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local booked = 'r:' .. ARGV[3]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local function call_now()
    redis.call('ZADD', KEYS[1], now, ARGV[4])
    redis.call('ZADD', KEYS[2], now, ARGV[4])
    local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
    redis.call('PEXPIRE', KEYS[1], math.max(tonumber(last[2]) - now, 0) + window * 2)
    redis.call('PEXPIRE', KEYS[2], window * 2)
    return 0
end
local at = redis.call('ZSCORE', KEYS[1], booked)
if at then
    at = tonumber(at)
    if at > now + tonumber(ARGV[5]) then
        return at - now
    end
    local made = redis.call('ZCARD', KEYS[2])
    local cap = limit
    if now - at <= window / 10 then
        cap = limit + tonumber(ARGV[6])
    end
    if made < cap then
        redis.call('ZREM', KEYS[1], booked)
        return call_now()
    end
    -- Late, and the calls really made in the last window fill it: wait until one ages out.
    local edge = redis.call('ZRANGE', KEYS[2], made - cap, made - cap, 'WITHSCORES')
    at = tonumber(edge[2]) + window
    redis.call('ZADD', KEYS[1], at, booked)
    return at - now
end
local n = redis.call('ZCARD', KEYS[1])
at = now
if n >= limit then
    local edge = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
    at = math.max(now, tonumber(edge[2]) + window)
end
if at <= now then
    return call_now()
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
at = math.max(at, tonumber(last[2]) + math.ceil(window / limit))
redis.call('ZADD', KEYS[1], at, booked)
redis.call('PEXPIRE', KEYS[1], at - now + window * 2)
return at - now
"""

# An extra call that was made without asking (the retry after a forced refresh, the read that
# recovers a duplicate create): count it so later bookings leave room for it.
_RECORD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZADD', KEYS[2], now, ARGV[1])
if redis.call('PTTL', KEYS[1]) < window * 2 then
    redis.call('PEXPIRE', KEYS[1], window * 2)
end
redis.call('PEXPIRE', KEYS[2], window * 2)
return 0
"""


@dataclass(frozen=True)
class Budget:
    """One window: at most ``limit`` calls per ``window_ms``; ``limit`` 0 means no limit."""

    kind: str
    limit: int
    window_ms: int


class RateLimiter:
    """Per-portal windows in Redis; safe to share between threads and processes."""

    def __init__(self, *, client: redis.Redis, burst_per_10s: int, search_per_s: int) -> None:
        self.client = client
        self.burst = Budget("burst", burst_per_10s, BURST_WINDOW_MS)
        self.search = Budget("search", search_per_s, SEARCH_WINDOW_MS)
        self._acquire = client.register_script(_ACQUIRE)
        self._record = client.register_script(_RECORD)

    def budget(self, *, search: bool) -> Budget:
        """Search calls count against the search window only (HubSpot excludes them from the
        burst limit); every other call against the burst window."""
        return self.search if search else self.burst

    def acquire(self, *, hub_id: int, holder: str, search: bool) -> None:
        """Return when the call may go now; raise ``PortalBudgetExhausted`` with the booked wait.

        ``holder`` (the job id) owns the booking: asking again spends it rather than a new slot.
        Raises ``redis.RedisError`` when Redis is unreachable (the caller decides to fail open).
        """
        budget = self.budget(search=search)
        if budget.limit <= 0:
            return
        wait_ms = int(
            self._acquire(
                keys=_keys(hub_id, budget.kind),
                args=[
                    budget.limit,
                    budget.window_ms,
                    holder,
                    _member(holder),
                    EARLY_TOLERANCE_MS,
                    max(1, int(budget.limit * LATE_SLACK_FRACTION)),
                ],
            )
        )
        if wait_ms > 0:
            raise PortalBudgetExhausted(
                f"portal {hub_id} is at its {budget.kind} budget ({budget.limit} calls per "
                f"{budget.window_ms // 1000} s); a slot is booked in {wait_ms} ms",
                delay_s=wait_ms / 1000,
                hub_id=hub_id,
            )

    def record(self, *, hub_id: int, holder: str, search: bool) -> None:
        """Count a call made outside ``acquire`` (best effort: Redis errors are the caller's)."""
        budget = self.budget(search=search)
        if budget.limit <= 0:
            return
        self._record(keys=_keys(hub_id, budget.kind), args=[_member(holder), budget.window_ms])


def window_key(hub_id: int, kind: str) -> str:
    """The timeline: calls made and reservations, in time order."""
    return f"{KEY_PREFIX}{hub_id}:{kind}"


def calls_key(hub_id: int, kind: str) -> str:
    """The calls made only, each at the moment it was let through."""
    return f"{KEY_PREFIX}{hub_id}:{kind}:made"


def _keys(hub_id: int, kind: str) -> list[str]:
    return [window_key(hub_id, kind), calls_key(hub_id, kind)]


def _member(holder: str) -> str:
    return f"{holder}:{uuid.uuid4().hex[:10]}"
