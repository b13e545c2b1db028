"""Refresh scheduler benchmark: claim cost per tick and Redis memory per scheduled account.

    .venv/bin/python -m bench.scheduler [--sizes 1000,10000,100000] [--due 20] [--ticks 300]

Against a private ``redis-server``, for each size N the refresh schedule holds N accounts (real
``acc_...`` ids) due over the next 30 minutes, as HubSpot's 30-minute tokens spread them. Each
tick re-adds ``--due`` entries already due (untimed), then times ``Schedule.claim_due`` exactly as
the scheduler calls it; a second series times a tick with nothing due. The contract (DESIGN.md
s11) is that the cost follows the due entries, not N: the 100k/1k ratio should stay <= 1.5.
Memory per account is ``MEMORY USAGE`` of the sorted set (all samples) divided by N.

Prints JSON and writes ``bench/results/scheduler.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

import redis

from broker.schedule import REFRESH_SCHEDULE, Schedule
from core.ids import new_id
from tests.support.redis_server import PrivateRedis

#: How far ahead the scheduled accounts are spread (one token lifetime).
SPREAD_S = 1800.0
#: Entries written per ZADD while filling the set.
FILL_BATCH = 5000


def fill(client: redis.Redis, n: int, now: float, rng: random.Random) -> list[str]:
    client.delete(REFRESH_SCHEDULE)
    ids = [new_id("acc") for _ in range(n)]
    for start in range(0, n, FILL_BATCH):
        chunk = ids[start : start + FILL_BATCH]
        client.zadd(REFRESH_SCHEDULE, {i: now + 1 + rng.uniform(0, SPREAD_S) for i in chunk})
    return ids


def time_claims(schedule: Schedule, due: list[str], ticks: int, now: float) -> list[float]:
    """Microseconds per claim; ``due`` entries are made due again before every tick."""
    samples: list[float] = []
    for _ in range(ticks):
        if due:
            schedule.add_many({i: now - 1 for i in due})
        started = time.perf_counter()
        claimed = schedule.claim_due(now, limit=500)
        samples.append((time.perf_counter() - started) * 1e6)
        assert len(claimed) == len(due)
    return samples


def measure(client: redis.Redis, n: int, due_per_tick: int, ticks: int) -> dict[str, Any]:
    rng = random.Random(n)
    now = time.time()
    ids = fill(client, n, now, rng)
    memory = int(client.memory_usage(REFRESH_SCHEDULE, samples=0) or 0)
    schedule = Schedule(client=client, key=REFRESH_SCHEDULE)
    due = [new_id("acc") for _ in range(due_per_tick)]
    time_claims(schedule, due, 20, now)  # warm-up (script load, allocator)
    with_due = time_claims(schedule, due, ticks, now)
    idle = time_claims(schedule, [], ticks, now)
    assert client.zcard(REFRESH_SCHEDULE) == len(ids)
    return {
        "scheduled": n,
        "due_per_tick": due_per_tick,
        "claim_us_median": round(statistics.median(with_due), 1),
        "claim_us_p90": round(sorted(with_due)[int(0.9 * len(with_due))], 1),
        "idle_tick_us_median": round(statistics.median(idle), 1),
        "memory_bytes": memory,
        "bytes_per_account": round(memory / n, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--due", type=int, default=20)
    parser.add_argument("--ticks", type=int, default=300)
    args = parser.parse_args()
    server = PrivateRedis().start()
    try:
        client = redis.Redis.from_url(server.url)
        rows = [measure(client, int(n), args.due, args.ticks) for n in args.sizes.split(",")]
    finally:
        server.close()
    smallest, largest = rows[0], rows[-1]
    result = {
        "rows": rows,
        "claim_ratio_largest_vs_smallest": round(
            largest["claim_us_median"] / smallest["claim_us_median"], 2
        ),
        "idle_ratio_largest_vs_smallest": round(
            largest["idle_tick_us_median"] / smallest["idle_tick_us_median"], 2
        ),
    }
    text = json.dumps(result, indent=2)
    print(text)
    out = Path(__file__).parent / "results" / "scheduler.json"
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()
