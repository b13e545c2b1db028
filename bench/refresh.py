"""Token refresh benchmark: refreshes per second per worker process, and refresh discipline.

    .venv/bin/python -m bench.refresh [--accounts 400] [--steady-accounts 150] [--lifetimes 4]

Two stacks (PostgreSQL, a private Redis, the sandbox over HTTP, web, one scheduler):

* **throughput**: one worker process (8 threads); ``--accounts`` accounts connected through the
  real OAuth flow, then all made due at once (their stored expiry moved inside the margin and
  their schedule entries due now). Refreshes/s = accounts / time until every token version moved,
  read from the database (polling every 50 ms).
* **discipline**: tokens living 20 s, refreshed 6 s ahead; ``--steady-accounts`` accounts, tool
  calls for three quarters of them for ``--lifetimes`` token lifetimes. The sandbox reports the
  most refreshes any issued access token got (target: 1), tokens refreshed twice (0) and calls
  made with an expired token (0); ``/metrics`` says how many refreshes were scheduled vs inline.

The sandbox runs in this process (a thread), so it shares the two cores with the worker, as the
load generator does in ``bench.pipeline``. Prints JSON and writes ``bench/results/refresh.json``.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.harness import write_results
from broker.schedule import REFRESH_SCHEDULE
from store.models import tokens
from tests.support.refresh_stack import RefreshStack, refresh_stack


def connect_all(rs: RefreshStack, prefix: str, n: int) -> list[dict[str, Any]]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(rs.stack.connect, [f"{prefix}_{i}" for i in range(n)]))


def refreshed_count(rs: RefreshStack) -> int:
    with rs.db.read() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(tokens).where(tokens.c.version >= 2)
            ).scalar_one()
        )


def throughput(n: int) -> dict[str, Any]:
    log_dir = Path(tempfile.mkdtemp(prefix="ha-bench-refresh-"))
    env = {"WORKER_PROCESSES": "1", "WORKER_THREADS": "8", "SWEEP_INTERVAL_SECONDS": "60"}
    with refresh_stack(log_dir, token_ttl=1800, margin_s=300, extra_env=env) as rs:
        accounts = connect_all(rs, "burst", n)
        time.sleep(2.0)  # let the callbacks' log lines and connections settle
        soon = datetime.now(UTC) + timedelta(seconds=120)
        for account in accounts:
            rs.set_expiry(account["id"], soon)
        started = time.perf_counter()
        rs.redis.zadd(REFRESH_SCHEDULE, {a["id"]: 0 for a in accounts})
        while refreshed_count(rs) < n:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        stats = rs.stats()
    return {
        "accounts": n,
        "worker_processes": 1,
        "worker_threads": 8,
        "seconds": round(elapsed, 2),
        "refreshes_per_s": round(n / elapsed, 1),
        "double_refreshes": stats["double_refreshes"],
    }


def discipline(n: int, lifetimes: int) -> dict[str, Any]:
    ttl, margin = 20, 6
    log_dir = Path(tempfile.mkdtemp(prefix="ha-bench-refresh-"))
    with refresh_stack(log_dir, token_ttl=ttl, margin_s=margin) as rs:
        accounts = connect_all(rs, "steady", n)
        busy = [a["identifier"] for a in accounts[: n * 3 // 4]]
        ids = rs.list_traffic(busy, seconds=lifetimes * ttl, per_tick=20, rng=random.Random(7))
        views = rs.wait_jobs(ids, timeout=180)
        stats = rs.stats()
        counters = {f"{o}/{t}": n for (o, t), n in rs.refresh_counters().items()}
    refreshes = sum(stats["refreshes"].values())
    return {
        "accounts": n,
        "token_ttl_s": ttl,
        "margin_s": margin,
        "lifetimes": lifetimes,
        "jobs": len(views),
        "jobs_failed": sum(1 for v in views if v["status"] != "succeeded"),
        "refreshes": refreshes,
        "refreshes_per_access_token_max": stats["refreshes_per_access_token_max"],
        "double_refreshes": stats["double_refreshes"],
        "expired_token_401": stats["expired_token_401"],
        "refresh_counters": counters,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=400)
    parser.add_argument("--steady-accounts", type=int, default=150)
    parser.add_argument("--lifetimes", type=int, default=4)
    args = parser.parse_args()
    result = {
        "throughput": throughput(args.accounts),
        "discipline": discipline(args.steady_accounts, args.lifetimes),
    }
    print(write_results(Path(__file__).parent / "results" / "refresh.json", result))


if __name__ == "__main__":
    main()
