"""An executor wired to fakes at its edges: SQLite stores, fakeredis, a scripted HubSpot
(``httpx.MockTransport``) and a scripted refresher, so each branch runs in milliseconds."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fakeredis
import httpx
import redis
from pydantic import SecretStr

from broker.schedule import JOB_SCHEDULE, Schedule
from core.clock import SystemClock
from hubspot_client.client import HubSpotClient
from hubspot_client.errors import HubSpotError
from schemas.tools import all_required_scopes
from store.accounts import AccountStore
from store.db import Database
from store.jobs import JobRecord, JobStore, NewJob
from store.keyring import Keyring, generate_key_spec
from store.migrate import upgrade
from store.vault import TokenSet, TokenVault
from worker.calls import HubSpotCalls
from worker.executor import JobExecutor, LeaseTerms
from worker.job_outcomes import JobOutcomes
from worker.ratelimit import RateLimiter
from worker.refresh.tokens import TokenProvider
from worker.throttle import PortalThrottle

HUB_ID = 4242

Step = httpx.Response | type[httpx.TransportError] | Callable[[httpx.Request], httpx.Response]


@dataclass
class ScriptedHubSpot:
    """Answers each request from ``answers`` in order (a transport error class is raised, as
    httpx would: the request was sent, no answer came; a function answers in its own time);
    records method, path and bearer."""

    answers: list[Step] = field(default_factory=list)
    seen: list[tuple[str, str, str]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        bearer = request.headers["Authorization"].removeprefix("Bearer ")
        self.seen.append((request.method, request.url.path, bearer))
        step = self.answers.pop(0)
        if isinstance(step, httpx.Response):
            return step
        if isinstance(step, type):
            raise step("no answer", request=request)
        return step(request)


@dataclass
class ScriptedRefresher:
    """A ``Refresher``: returns version+1 with access token ``fresh``, or raises ``error``."""

    error: HubSpotError | None = None
    calls: list[tuple[str, int]] = field(default_factory=list)

    def refresh_now(self, account_id: str, *, stale_version: int) -> TokenSet:
        self.calls.append((account_id, stale_version))
        if self.error is not None:
            raise self.error
        return TokenSet(
            account_id=account_id,
            version=stale_version + 1,
            access_token=SecretStr("fresh"),
            refresh_token=SecretStr("r"),
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )

    def run_scheduled(self, account_id: str, version: int | None) -> None:
        raise AssertionError("not used by the execute path")


def answer(status: int, body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode())


def error_body(message: str, category: str) -> dict[str, Any]:
    return {"status": "error", "message": message, "category": category, "correlationId": "c-1"}


@dataclass
class ExecutorHarness:
    db: Database
    redis: redis.Redis
    jobs: JobStore
    accounts: AccountStore
    hubspot: ScriptedHubSpot
    refresher: ScriptedRefresher
    executor: JobExecutor
    account_id: str

    def submit(self, tool_name: str, tool_input: dict[str, Any]) -> str:
        record, _ = self.jobs.create(
            NewJob(
                account_id=self.account_id,
                connection_name="hubspot",
                identifier="u1",
                tool_name=tool_name,
                input=tool_input,
            )
        )
        return record.id

    def run(self, job_id: str) -> JobRecord:
        """One pass of the executor over the job; its record afterwards."""
        self.executor.run(job_id)
        return self.get(job_id)

    def get(self, job_id: str) -> JobRecord:
        job = self.jobs.get(job_id)
        assert job is not None
        return job

    def scheduled(self, job_id: str) -> float | None:
        return Schedule(client=self.redis, key=JOB_SCHEDULE).due_of([job_id])[0]


def build(tmp_path: Path, *, limiter: RateLimiter | None = None) -> ExecutorHarness:
    """The harness on a fresh SQLite database in ``tmp_path``."""
    db = Database(f"sqlite:///{tmp_path / 'exec.db'}")
    upgrade(db)
    return build_on(db, limiter=limiter)


def build_on(db: Database, *, limiter: RateLimiter | None = None) -> ExecutorHarness:
    """The harness on a migrated database (the store tests' ``db``: SQLite or PostgreSQL), with
    one ACTIVE account holding every scope and an access token ``stale``."""
    client: redis.Redis = fakeredis.FakeRedis()
    accounts = AccountStore(db=db)
    vault = TokenVault(db=db, keyring=Keyring.parse(generate_key_spec("unit")))
    account = accounts.get_or_create(connection_name="hubspot", identifier="u1")
    expires = datetime.now(UTC) + timedelta(hours=1)
    with db.write() as conn:
        vault.put(conn, account_id=account.id, access="stale", refresh="r", expires_at=expires)
        accounts.activate(
            conn,
            account_id=account.id,
            hub_id=HUB_ID,
            granted_scopes=("oauth", *all_required_scopes()),
            token_expires_at=expires,
        )
    jobs = JobStore(db=db)
    hubspot = ScriptedHubSpot()
    refresher = ScriptedRefresher()
    client_http = HubSpotClient(
        api_base="https://api.hubapi.com",
        connect_timeout=1,
        read_timeout=1,
        transport=httpx.MockTransport(hubspot),
    )
    executor = JobExecutor(
        jobs=jobs,
        accounts=accounts,
        calls=HubSpotCalls(
            tokens=TokenProvider(vault=vault, refresher=refresher),
            hubspot=client_http,
            throttle=PortalThrottle(limiter=limiter),
        ),
        outcomes=JobOutcomes(
            jobs=jobs,
            job_schedule=Schedule(client=client, key=JOB_SCHEDULE),
            mint_reauth_link=lambda account_id: f"https://link.test/{account_id}",
            clock=SystemClock(),
        ),
        lease=LeaseTerms(owner="w1", seconds=30),
    )
    return ExecutorHarness(
        db=db,
        redis=client,
        jobs=jobs,
        accounts=accounts,
        hubspot=hubspot,
        refresher=refresher,
        executor=executor,
        account_id=account.id,
    )
