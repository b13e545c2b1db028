"""A benchmark stack: the sandbox, web, worker and scheduler as real processes, and a direct
HubSpot token for baseline calls against the same sandbox process.

Every measure in ``bench/`` compares the pipeline with direct httpx calls to the same sandbox in
the same run, so machine noise affects both sides alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from schemas.connection import default_scopes
from store.db import Database
from store.migrate import upgrade
from tests.support.ports import free_port
from tests.support.processes import ManagedProcess
from tests.support.redis_server import PrivateRedis
from tests.support.services import postgres_schema
from tests.support.stack import CLIENT_ID, CLIENT_SECRET, wiring_env


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 50), 2),
        "p99": round(percentile(values, 99), 2),
        "mean": round(statistics.fmean(values), 2) if values else float("nan"),
    }


def new_contact() -> dict[str, str]:
    """A contact create's properties, with an email no other sample used."""
    return {"email": f"{uuid.uuid4().hex[:16]}@bench.example", "firstname": "Bench"}


def direct_create_ms(hub: httpx.Client) -> float:
    """One contact create straight to the sandbox (no pipeline): its wall time in ms."""
    t0 = time.perf_counter()
    hub.post("/crm/v3/objects/contacts", json={"properties": new_contact()}).raise_for_status()
    return (time.perf_counter() - t0) * 1000


def overhead(direct: dict[str, float], through: dict[str, float]) -> dict[str, float]:
    """What a path adds to the direct call, at p50 and p99 (two ``summary`` results)."""
    return {pct: round(through[pct] - direct[pct], 2) for pct in ("p50", "p99")}


def sampling_parser(doc: str, *, databases: str, out: str) -> argparse.ArgumentParser:
    """The options of the benches that sample latency on each database in turn (``execute``,
    ``pipeline``); a bench adds its own."""
    parser = argparse.ArgumentParser(description=doc.split("\n", maxsplit=1)[0])
    parser.add_argument("--databases", default=databases)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--idle", type=float, default=0.3, help="seconds idle before each sample")
    parser.add_argument("--out", type=Path, default=Path(out))
    return parser


def write_results(out: Path, results: object) -> str:
    """Write a bench's results to ``out`` as indented JSON, creating its folder; the JSON text
    (benches that print their results print this)."""
    text = json.dumps(results, indent=2)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return text


@dataclass
class BenchStack:
    base_url: str
    sandbox_url: str
    api_key: str
    env: dict[str, str]
    database_url: str
    log_dir: Path
    processes: dict[str, ManagedProcess] = field(default_factory=dict)

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=60,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.sandbox_url}{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def start(self, name: str, env: dict[str, str] | None = None) -> ManagedProcess:
        proc = ManagedProcess(name, [name], {**self.env, **(env or {})}, self.log_dir).start()
        self.processes[name] = proc
        return proc

    def restart_worker(self, **env: str) -> None:
        self.processes["worker"].stop()
        self.start("worker", env).wait_log("worker.started")
        time.sleep(1.0)  # let both worker processes subscribe and go idle

    def consent(self, link: str, hub_id: int) -> str:
        query = dict(parse_qsl(urlsplit(link).query))
        body = {
            "client_id": query["client_id"],
            "redirect_uri": query["redirect_uri"],
            "scope": query["scope"],
            "state": query["state"],
            "hub_id": hub_id,
        }
        return str(self.control("POST", "/_sandbox/consent", body)["redirect_url"])

    def connect(self, identifier: str) -> int:
        """Connect ``identifier`` to a new sandbox portal; its hub id."""
        hub: int = self.control("POST", "/_sandbox/portals", {})["hub_id"]
        with self.api() as api:
            link = api.post(
                "/v1/authorization-links",
                json={"connection_name": "hubspot", "identifier": identifier},
            ).json()["link"]
        httpx.get(self.consent(link, hub), timeout=30).raise_for_status()
        return hub

    def direct_token(self, hub_id: int | None = None) -> str:
        """A token obtained the way our callback does, for baseline calls (and for seeding
        records): for portal ``hub_id``, or for a new portal."""
        hub = hub_id or self.control("POST", "/_sandbox/portals", {})["hub_id"]
        redirect = self.control(
            "POST",
            "/_sandbox/consent",
            {
                "client_id": CLIENT_ID,
                "redirect_uri": self.env["HUBSPOT_REDIRECT_URI"],
                "scope": " ".join(default_scopes()),
                "state": "bench",
                "hub_id": hub,
            },
        )["redirect_url"]
        code = dict(parse_qsl(urlsplit(redirect).query))["code"]
        response = httpx.post(
            f"{self.sandbox_url}/oauth/v3/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.env["HUBSPOT_REDIRECT_URI"],
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )
        response.raise_for_status()
        return str(response.json()["access_token"])


@contextmanager
def bench_stack(
    database: str,
    *,
    worker_processes: int = 2,
    worker_threads: int = 8,
    env_overrides: dict[str, str] | None = None,
) -> Iterator[BenchStack]:
    """The stack with every rate limit off; ``env_overrides`` changes the processes' settings
    (``bench.bulk`` puts our per-portal budget back to its default)."""
    with ExitStack() as stack:
        log_dir = Path(tempfile.mkdtemp(prefix="ha-bench-"))
        redis_server = PrivateRedis().start()
        stack.callback(redis_server.close)
        if database == "postgres":
            database_url = stack.enter_context(postgres_schema())
        else:
            database_url = f"sqlite:///{log_dir / 'bench.db'}"
        db = Database(database_url)
        upgrade(db)
        db.dispose()
        port, sandbox_port = free_port(), free_port()
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        env = wiring_env(
            database_url=database_url,
            redis_url=redis_server.url,
            sandbox_url=sandbox_url,
            port=port,
            key_label="bench",
        )
        env.update(
            HUBSPOT_RATE_LIMIT_PER_10S="0",
            HUBSPOT_SEARCH_RATE_LIMIT_PER_S="0",
            WORKER_PROCESSES=str(worker_processes),
            WORKER_THREADS=str(worker_threads),
            LOG_LEVEL="INFO",
            LOG_JSON="true",
        )
        env.update(env_overrides or {})
        bench = BenchStack(
            base_url=f"http://127.0.0.1:{port}",
            sandbox_url=sandbox_url,
            api_key=env["BOOTSTRAP_API_KEY"],
            env=env,
            database_url=database_url,
            log_dir=log_dir,
        )
        try:
            sandbox = ManagedProcess(
                "sandbox", ["sandbox", "--port", str(sandbox_port)], env, log_dir
            ).start()
            bench.processes["sandbox"] = sandbox
            sandbox.wait_http(f"{sandbox_url}/_sandbox/stats")
            bench.control(
                "POST",
                "/_sandbox/apps",
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": [env["HUBSPOT_REDIRECT_URI"]],
                    "scopes": list(default_scopes()),
                    "optional_scopes": [],
                },
            )
            bench.control("POST", "/_sandbox/limits", {"burst_per_10s": 0, "search_per_second": 0})
            bench.start("web").wait_http(f"{bench.base_url}/healthz")
            bench.start("worker").wait_log("worker.started")
            bench.start("scheduler")
            time.sleep(1.0)
            yield bench
        finally:
            for proc in bench.processes.values():
                proc.stop()
