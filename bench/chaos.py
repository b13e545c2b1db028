"""The proving ground: faults against a real pipeline, judged by what became of every job.

``python -m bench.chaos [--scenario NAME ...] [--quick]`` runs each scenario on a fresh stack
(``tests.support.stack``: web, worker and scheduler as real processes, the sandbox as HubSpot, a
private ``redis-server``, PostgreSQL) and prints one table row per scenario: jobs submitted,
succeeded, failed by code, stuck (not terminal at the end), lost (gone from SQL), duplicate
HubSpot effects (contacts created beyond one per job), HubSpot 429s, and the recovery time (from
the fault's end to the last job terminal). The secret scan looks for the tokens the sandbox
issued, the client secret and the API key in the processes' logs, every Redis key and the jobs
and accounts tables. Nothing is asserted: figures go to ``bench/README.md``; the CI short form is
``tests/e2e/test_worker_kill.py``.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import text

import sandbox.oauth.tokens as sandbox_tokens
from bench.private_postgres import PrivateCluster, postgres_bindir
from sandbox.config import SandboxConfig
from store.db import Database
from tests.support.accounts_secrets import leaks, named, redis_contents
from tests.support.backlog import (
    Tally,
    contact_creates,
    created_contacts,
    submit_jobs,
    wait_terminal,
)
from tests.support.redis_server import PrivateRedis
from tests.support.services import postgres_schema
from tests.support.stack import CLIENT_ID, CLIENT_SECRET, Stack, running_stack

#: Settings of every chaos stack: short leases and sweeps, so recovery is quick to watch.
CHAOS_ENV = {
    "JOB_LEASE_SECONDS": "5",
    "SWEEP_INTERVAL_SECONDS": "1",
    "WORKER_PROCESSES": "2",
    "WORKER_THREADS": "8",
    "HUBSPOT_READ_TIMEOUT_S": "2",
}
CREATE_ROUTE = "/crm/v3/objects/contacts"
#: How much of the backlog is finished when a fault strikes. Not a fixed delay: with coalescing
#: (100 creates a HubSpot call) our budget no longer spreads a backlog over 25 s, and a fault 5 s
#: in found the quick backlogs already done (kill: "0 kills", uninstall: nothing to revoke).
FAULT_AT_FRACTION = 0.15
#: Jobs per user of the quick backlogs: enough to keep work in flight for several seconds.
QUICK_PER_USER = 2000


@dataclass
class Row:
    scenario: str
    tally: Tally
    duplicates: int
    hubspot_429: int
    recovery_s: float
    note: str = ""

    def cells(self) -> list[str]:
        failed = ", ".join(f"{c} {n}" for c, n in sorted(self.tally.failed.items())) or "0"
        return [
            self.scenario,
            str(self.tally.submitted),
            str(self.tally.succeeded),
            failed,
            str(self.tally.stuck),
            str(self.tally.lost),
            str(self.duplicates),
            str(self.hubspot_429),
            f"{self.recovery_s:.1f} s",
            self.note,
        ]


HEADER = [
    "scenario",
    "submitted",
    "succeeded",
    "failed by code",
    "stuck",
    "lost",
    "duplicate effects",
    "HubSpot 429s",
    "recovery",
    "note",
]


@dataclass
class Chaos:
    """One scenario's stack and the backdoors its faults use."""

    stack: Stack
    redis: PrivateRedis
    postgres: PrivateCluster | None
    quick: bool

    hubs: dict[str, int] = field(default_factory=dict)

    def users(self, count: int, prefix: str) -> list[str]:
        """``count`` connected users, each on a portal of its own (``hubs``)."""
        names = [f"{prefix}_{n}" for n in range(count)]
        for name in names:
            self.hubs[name] = int(self.stack.connect(name)["hub_id"])
        return names

    def backlog(self, users: int, per_user: int, prefix: str) -> tuple[list[str], list[str]]:
        """``users`` connected users with ``per_user`` contact creates each submitted: the users
        and the job ids."""
        names = self.users(users, prefix)
        with self.stack.api as api:
            return names, submit_jobs(api, contact_creates(names, per_user, prefix))

    def strike_point(self, ids: list[str], fraction: float = FAULT_AT_FRACTION) -> None:
        """Wait until about ``fraction`` of ``ids`` are finished (sampled): the fault's moment."""
        sample = ids[:: max(1, len(ids) // 300)]
        with self.stack.api as api:
            while True:
                done = sum(
                    1
                    for start in range(0, len(sample), 100)
                    for view in api.get(
                        "/v1/jobs", params={"ids": ",".join(sample[start : start + 100])}
                    ).json()["jobs"]
                    if view["status"] in ("succeeded", "failed", "cancelled")
                )
                if done >= fraction * len(sample):
                    return
                time.sleep(0.05)

    def restart_worker(self, generation: int) -> None:
        current = [n for n in self.stack.processes if n.startswith("worker")][-1]
        self.stack.processes[current].kill()
        self.stack.start(f"worker_{generation}", "worker").wait_log("worker.started")

    def finish(
        self, scenario: str, ids: list[str], *, fault_over: float, creates: int, note: str = ""
    ) -> Row:
        with self.stack.api as api:
            views, _ = wait_terminal(api, ids, timeout=180 if self.quick else 600)
        recovery = time.monotonic() - fault_over
        stats = self.stack.sandbox.control.stats()
        made = created_contacts(stats)
        created_jobs = sum(1 for v in views.values() if v["tool_name"] == "hubspot_contact_create")
        duplicates = max(0, made - created_jobs) if creates else 0
        return Row(
            scenario,
            Tally.of(ids, views),
            duplicates,
            int(stats["rate_limited_429"]),
            recovery,
            note,
        )


# -- issued tokens, for the secret scan ---------------------------------------------------------

ISSUED: list[str] = []


def _record_issued() -> None:
    """Wrap the sandbox's token makers (it runs in this process) to learn every token issued."""
    make_access, make_refresh = sandbox_tokens.new_access_token, sandbox_tokens.new_refresh_token

    def access() -> str:
        ISSUED.append(make_access())
        return ISSUED[-1]

    def refresh() -> str:
        ISSUED.append(make_refresh())
        return ISSUED[-1]

    sandbox_tokens.new_access_token = access
    sandbox_tokens.new_refresh_token = refresh


@contextmanager
def chaos_stack(
    quick: bool, *, private_postgres: bool = False, env: dict[str, str] | None = None
) -> Iterator[Chaos]:
    with ExitStack() as resources:
        server = PrivateRedis().start()
        resources.callback(server.close)
        cluster: PrivateCluster | None = None
        if private_postgres:
            bindir = postgres_bindir()
            assert bindir is not None
            cluster = PrivateCluster(bindir).init()
            resources.callback(cluster.close)
            url = cluster.url
        else:
            url = resources.enter_context(postgres_schema())
        stack = resources.enter_context(
            running_stack(
                database_url=url,
                redis_url=server.url,
                log_dir=Path(tempfile.mkdtemp(prefix="ha-chaos-")),
                sandbox_config=SandboxConfig(),
                extra_env={**CHAOS_ENV, **(env or {})},
            )
        )
        yield Chaos(stack=stack, redis=server, postgres=cluster, quick=quick)


# -- the scenarios ------------------------------------------------------------------------------


def kill_worker(quick: bool) -> Row:
    """kill -9 the worker's process group while the creates run: first at ``FAULT_AT_FRACTION``
    of the backlog, then every 10 s (2 s quick) until it is done."""
    users, per_user, every = (6, QUICK_PER_USER, 2.0) if quick else (10, 3000, 10.0)
    with chaos_stack(quick) as chaos:
        _, ids = chaos.backlog(users, per_user, "kill")
        chaos.strike_point(ids)
        with chaos.stack.api as api:
            kills, last = 0, time.monotonic()
            while True:
                if kills:
                    time.sleep(every)
                views = {v["status"] for v in _sample(api, ids)}
                if views <= {"succeeded", "failed", "cancelled"}:
                    break
                kills += 1
                chaos.restart_worker(kills + 1)
                last = time.monotonic()
        return chaos.finish(
            "kill -9 worker", ids, fault_over=last, creates=1, note=f"{kills} kills"
        )


def _sample(api: Any, ids: list[str]) -> list[dict[str, Any]]:
    """The views of the last 100 jobs (a cheap "is the backlog done" probe)."""
    response = api.get("/v1/jobs", params={"ids": ",".join(ids[-100:])})
    jobs: list[dict[str, Any]] = response.json()["jobs"]
    return jobs


def redis_flush(quick: bool) -> Row:
    """FLUSHALL the private Redis mid-backlog (queues, schedules, windows all gone)."""
    users, per_user = (4, QUICK_PER_USER) if quick else (10, 3000)
    with chaos_stack(quick) as chaos:
        _, ids = chaos.backlog(users, per_user, "flush")
        chaos.strike_point(ids)
        redis.Redis.from_url(chaos.redis.url).flushall()
        return chaos.finish("Redis FLUSHALL", ids, fault_over=time.monotonic(), creates=1)


def redis_restart(quick: bool) -> Row:
    """Stop the private Redis for 3 s mid-backlog and start it empty."""
    users, per_user = (4, QUICK_PER_USER) if quick else (10, 3000)
    with chaos_stack(quick) as chaos:
        _, ids = chaos.backlog(users, per_user, "rrestart")
        chaos.strike_point(ids)
        chaos.redis.stop()
        time.sleep(3.0)
        chaos.redis.start()
        return chaos.finish("Redis restart", ids, fault_over=time.monotonic(), creates=1)


def postgres_restart(quick: bool) -> Row | None:
    """Restart a private PostgreSQL cluster mid-backlog (skipped without the binaries)."""
    if postgres_bindir() is None:
        print("postgres-restart: skipped, no /usr/lib/postgresql/*/bin with initdb and pg_ctl")
        return None
    users, per_user = (4, QUICK_PER_USER) if quick else (10, 3000)
    with chaos_stack(quick, private_postgres=True) as chaos:
        _, ids = chaos.backlog(users, per_user, "pgrestart")
        chaos.strike_point(ids)
        assert chaos.postgres is not None
        chaos.postgres.stop()
        time.sleep(3.0)
        chaos.postgres.start()
        return chaos.finish("PostgreSQL restart", ids, fault_over=time.monotonic(), creates=1)


def _storm(quick: bool, name: str, label: str, **fault: Any) -> Row:
    users, per_user = (4, QUICK_PER_USER) if quick else (10, 3000)
    with chaos_stack(quick) as chaos:
        names = chaos.users(users, name)
        control = chaos.stack.sandbox.control
        control.add_fault(CREATE_ROUTE, method="POST", **fault)
        with chaos.stack.api as api:
            ids = submit_jobs(api, contact_creates(names, per_user, name))
        time.sleep(5.0)
        control.clear_faults()
        return chaos.finish(label, ids, fault_over=time.monotonic(), creates=1)


def storm_503(quick: bool) -> Row:
    """Half of the creates answer 503 for 5 s."""
    return _storm(quick, "s503", "503 storm (5 s, p=0.5)", status=503, probability=0.5)


def storm_429(quick: bool) -> Row:
    """Half of the creates answer 429 (Retry-After 1) for 5 s (the 429s counted are injected)."""
    return _storm(
        quick, "s429", "429 storm (5 s, p=0.5)", status=429, retry_after=1, probability=0.5
    )


def drop_after_send(quick: bool) -> Row:
    """A fifth of the creates are applied, then the connection drops before the answer."""
    return _storm(quick, "drop", "drop after send (5 s, p=0.2)", drop="after", probability=0.2)


def uninstall_backlog(quick: bool) -> Row:
    """One user uninstalls the app while its backlog is still being submitted and run; the other
    users' jobs go on.

    The users' creates are submitted round robin by batches of 100 from a background thread, so
    the uninstalling user's backlog spans the whole submission (submitted first, it was finished
    before any fault could strike); the uninstall comes a quarter of the way through. Its later
    batches are refused at submission once the account is seen revoked; its queued jobs fail.
    """
    users, per_user = (3, QUICK_PER_USER) if quick else (6, 3000)
    with chaos_stack(quick) as chaos:
        names = chaos.users(users, "uninst")
        per_name = [contact_creates([name], per_user, f"uninst{u}") for u, name in enumerate(names)]
        chunks = [
            user_jobs[start : start + 100]
            for start in range(0, per_user, 100)
            for user_jobs in per_name
        ]
        ids: list[str] = []
        refused: Counter[str] = Counter()
        sent = threading.Event()

        def submit() -> None:
            with chaos.stack.api as api:
                for n, chunk in enumerate(chunks):
                    answer = api.post("/v1/jobs/batch", json={"jobs": chunk}).json()["jobs"]
                    ids.extend(job["id"] for job in answer if job.get("id"))
                    refused.update(job["error"]["code"] for job in answer if not job.get("id"))
                    if n + 1 >= len(chunks) // 4:
                        sent.set()

        submitter = threading.Thread(target=submit, name="chaos-submit")
        submitter.start()
        sent.wait(120)
        chaos.stack.sandbox.control.uninstall(chaos.hubs[names[0]], client_id=CLIENT_ID)
        submitter.join()
        refusals = ", ".join(f"{code} {n}" for code, n in sorted(refused.items())) or "none"
        return chaos.finish(
            "uninstall with a backlog",
            ids,
            fault_over=time.monotonic(),
            creates=1,
            note=f"{per_user} jobs of the uninstalled user; refused at submission: {refusals}",
        )


def secret_scan(quick: bool) -> Row:
    """A short backlog with a 401 storm (forced refreshes), then look for secrets everywhere."""
    _record_issued()
    users, per_user = (3, 50) if quick else (6, 200)
    with chaos_stack(quick) as chaos:
        _, ids = chaos.backlog(users, per_user, "secret")
        row = chaos.finish("secret scan", ids, fault_over=time.monotonic(), creates=1)
        places: dict[str, bytes | str] = {"logs": chaos.stack.logs()}
        places.update(redis_contents(redis.Redis.from_url(chaos.redis.url)))
        places.update(_sql_rows(chaos.stack.database_url))
        secrets = {
            **named("issued token", ISSUED),
            "client secret": CLIENT_SECRET,
            "api key": chaos.stack.api_key,
        }
        found = leaks(secrets, places)
        row.note = f"{len(ISSUED)} tokens issued; leaks: {', '.join(found) or 'none'}"
        return row


def _sql_rows(database_url: str) -> dict[str, str]:
    db = Database(database_url)
    try:
        with db.read() as conn:
            return {
                f"sql:{table}": "\n".join(
                    repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {table}"))
                )
                for table in ("jobs", "connected_accounts", "tokens")
            }
    finally:
        db.dispose()


SCENARIOS: dict[str, Callable[[bool], Row | None]] = {
    "kill": kill_worker,
    "redis-flush": redis_flush,
    "redis-restart": redis_restart,
    "postgres-restart": postgres_restart,
    "storm-503": storm_503,
    "storm-429": storm_429,
    "drop-after-send": drop_after_send,
    "uninstall": uninstall_backlog,
    "secrets": secret_scan,
}


def print_table(rows: list[Row]) -> None:
    print("| " + " | ".join(HEADER) + " |")
    print("|" + " --- |" * len(HEADER))
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--quick", action="store_true", help="small backlogs (a few minutes)")
    args = parser.parse_args()
    rows: list[Row] = []
    for name in args.scenario or list(SCENARIOS):
        started = time.monotonic()
        row = SCENARIOS[name](args.quick)
        if row is not None:
            rows.append(row)
            print(f"{name}: done in {time.monotonic() - started:.0f} s", flush=True)
    print_table(rows)


if __name__ == "__main__":
    main()
