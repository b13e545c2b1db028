"""The whole pipeline for end-to-end tests: sandbox, web, worker and scheduler as real processes.

Everything talks over real sockets: the web and worker reach the sandbox over HTTP exactly as they
reach HubSpot, through Redis and PostgreSQL (or SQLite) as in production.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from sandbox.config import SandboxConfig
from schemas.connection import default_scopes
from store.db import Database
from store.keyring import generate_key_spec
from store.migrate import upgrade
from tests.support.ports import free_port
from tests.support.processes import ManagedProcess
from tests.support.redis_server import PrivateRedis
from tests.support.sandbox_server import SandboxServer, running_sandbox
from tests.support.services import postgres_available, postgres_schema, require

CLIENT_ID = "e2e-client"
CLIENT_SECRET = "e2e-client-secret-" + secrets.token_hex(8)


@dataclass
class Stack:
    base_url: str
    api_key: str
    env: dict[str, str]
    sandbox: SandboxServer
    database_url: str
    log_dir: Path
    processes: dict[str, ManagedProcess] = field(default_factory=dict)

    @property
    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=40,
        )

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> ManagedProcess:
        merged = {**self.env, **(env or {})}
        proc = ManagedProcess(name, list(args) or [name], merged, self.log_dir).start()
        self.processes[name] = proc
        return proc

    def logs(self) -> str:
        return "\n".join(f"== {n} ==\n{p.output()}" for n, p in self.processes.items())

    def new_portal(self, **kw: Any) -> int:
        return self.sandbox.control.create_portal(**kw)

    def connect(self, identifier: str, *, hub_id: int | None = None) -> dict[str, Any]:
        """Authorization link -> sandbox consent -> our callback; returns the account view."""
        hub = hub_id or self.new_portal()
        with self.api as api:
            link = api.post(
                "/v1/authorization-links",
                json={"connection_name": "hubspot", "identifier": identifier},
            ).json()["link"]
        query = dict(parse_qsl(urlsplit(link).query))
        redirect = self.sandbox.control.consent(
            hub_id=hub,
            scope=query["scope"].split(),
            optional_scope=query.get("optional_scope", "").split() or None,
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            state=query["state"],
        )
        response = httpx.get(redirect, headers={"accept": "application/json"}, timeout=20)
        assert response.status_code == 200, response.text
        account: dict[str, Any] = response.json()["connected_account"]
        return account

    def submit(self, identifier: str, tool_name: str, tool_input: dict[str, Any], **kw: Any) -> Any:
        with self.api as api:
            return api.post(
                "/v1/jobs",
                json={
                    "identifier": identifier,
                    "tool_name": tool_name,
                    "tool_input": tool_input,
                    **kw,
                },
            )

    def wait(self, job_id: str, timeout: float = 20) -> dict[str, Any]:
        with self.api as api:
            job: dict[str, Any] = api.get(f"/v1/jobs/{job_id}", params={"wait": timeout}).json()[
                "job"
            ]
            return job


def wiring_env(
    *, database_url: str, redis_url: str, sandbox_url: str, port: int, key_label: str = "e2e"
) -> dict[str, str]:
    """This process's environment without its HubSpot and sandbox settings, plus what wires web,
    worker and scheduler to these stores, to a web on ``port`` and to the sandbox as HubSpot (a
    fresh encryption key and bootstrap API key). Shared with ``bench.harness``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUBSPOT_", "SANDBOX_"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PORT=str(port),
        HUBSPOT_CLIENT_ID=CLIENT_ID,
        HUBSPOT_CLIENT_SECRET=CLIENT_SECRET,
        HUBSPOT_API_BASE=sandbox_url,
        HUBSPOT_AUTHORIZE_URL=f"{sandbox_url}/oauth/authorize",
        HUBSPOT_REDIRECT_URI=f"http://127.0.0.1:{port}/oauth/callback",
        TOKEN_ENCRYPTION_KEYS=generate_key_spec(key_label),
        BOOTSTRAP_API_KEY="hak_" + secrets.token_urlsafe(32),
    )
    return env


def base_env(*, database_url: str, redis_url: str, sandbox_url: str, port: int) -> dict[str, str]:
    """The tests' stack environment: the wiring, one small worker, a fast sweep, JSON logs."""
    env = wiring_env(
        database_url=database_url, redis_url=redis_url, sandbox_url=sandbox_url, port=port
    )
    env.update(
        WORKER_PROCESSES="1",
        WORKER_THREADS="4",
        SWEEP_INTERVAL_SECONDS="1",
        LOG_JSON="true",
        LOG_LEVEL="INFO",
    )
    return env


@contextmanager
def running_stack(
    *,
    database_url: str,
    redis_url: str,
    log_dir: Path,
    sandbox_config: SandboxConfig | None = None,
    extra_env: dict[str, str] | None = None,
    components: tuple[str, ...] = ("web", "worker", "scheduler"),
) -> Iterator[Stack]:
    with ExitStack() as stack:
        sandbox = stack.enter_context(running_sandbox(sandbox_config))
        port = free_port()
        env = base_env(
            database_url=database_url, redis_url=redis_url, sandbox_url=sandbox.base_url, port=port
        )
        env.update(extra_env or {})
        db = Database(database_url)
        upgrade(db)
        db.dispose()
        sandbox.control.register_app(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            redirect_uris=(env["HUBSPOT_REDIRECT_URI"],),
            scopes=default_scopes(),
        )
        s = Stack(
            base_url=f"http://127.0.0.1:{port}",
            api_key=env["BOOTSTRAP_API_KEY"],
            env=env,
            sandbox=sandbox,
            database_url=database_url,
            log_dir=log_dir,
        )
        try:
            for name in components:
                s.start(name)
            if "web" in components:
                s.processes["web"].wait_http(f"{s.base_url}/healthz")
            if "worker" in components:
                s.processes["worker"].wait_log("worker.started")
            yield s
        finally:
            for proc in s.processes.values():
                proc.stop()


@contextmanager
def isolated_stack(
    log_prefix: str,
    *,
    sandbox_config: SandboxConfig | None = None,
    extra_env: dict[str, str] | None = None,
    log_dir: Path | None = None,
) -> Iterator[Stack]:
    """A running stack on its own redis-server and a fresh PostgreSQL schema.

    For tests whose settings no other test shares (leases, budgets, token lifetimes) or that
    flush Redis: the shared test database would see other tests' keys. The processes' logs go to
    ``log_dir``, else to a new temporary directory named ``log_prefix...``; the Redis URL is
    ``stack.env["REDIS_URL"]``.
    """
    require(postgres_available(), "PostgreSQL")
    server = PrivateRedis().start()
    try:
        with (
            postgres_schema() as url,
            running_stack(
                database_url=url,
                redis_url=server.url,
                log_dir=log_dir or Path(tempfile.mkdtemp(prefix=log_prefix)),
                sandbox_config=sandbox_config,
                extra_env=extra_env,
            ) as stack,
        ):
            yield stack
    finally:
        server.close()
