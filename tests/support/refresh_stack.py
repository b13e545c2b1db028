"""Stacks and helpers for the token-refresh tests (issue 5).

Refresh is driven by real time: the sandbox issues tokens with a short lifetime
(``SandboxConfig.token_ttl``) and the stack refreshes them ``TOKEN_REFRESH_MARGIN_SECONDS`` ahead,
so a test sees several lifetimes in under a minute without ever jumping a clock (a jump would
expire tokens behind the scheduler's back). Each stack has a private Redis server, because these
tests flush it, and a fresh PostgreSQL schema.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
import redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from broker.schedule import REFRESH_SCHEDULE
from sandbox.config import SandboxConfig
from store.db import Database
from store.models import accounts, tokens
from tests.support.stack import Stack, isolated_stack

#: What every refresh test checks on one tool: a cheap authenticated GET.
LIST_TOOL = "hubspot_contacts_list"
LIST_INPUT: dict[str, Any] = {"limit": 1}
LIST_ROUTE = "GET /crm/v3/objects/contacts"
TERMINAL = ("succeeded", "failed", "cancelled")


@dataclass
class RefreshStack:
    """A running stack plus direct access to its Redis and database, for setup and checks."""

    stack: Stack
    db: Database

    @cached_property
    def redis(self) -> redis.Redis:
        """A client of the stack's private Redis server."""
        return redis.Redis.from_url(self.stack.env["REDIS_URL"])

    # -- accounts -------------------------------------------------------------------------

    def account(self, identifier: str) -> dict[str, Any]:
        with self.stack.api as api:
            response = api.get(f"/v1/connected-accounts/hubspot/{identifier}")
        assert response.status_code == 200, response.text
        view: dict[str, Any] = response.json()["connected_account"]
        return view

    def token(self, account_id: str) -> tuple[int, datetime]:
        """The stored token's version and expiry (no decryption)."""
        with self.db.read() as conn:
            row = conn.execute(
                select(tokens.c.version, tokens.c.expires_at).where(
                    tokens.c.account_id == account_id
                )
            ).one()
        return int(row.version), row.expires_at

    def set_expiry(self, account_id: str, expires_at: datetime) -> None:
        """Make our side believe the token expires at ``expires_at`` (HubSpot's side is kept)."""
        with self.db.write() as conn:
            conn.execute(
                update(tokens)
                .where(tokens.c.account_id == account_id)
                .values(expires_at=expires_at)
            )
            conn.execute(
                update(accounts)
                .where(accounts.c.id == account_id)
                .values(token_expires_at=expires_at)
            )

    def refresh_due(self, account_id: str) -> float | None:
        score = self.redis.zscore(REFRESH_SCHEDULE, account_id)
        return None if score is None else float(score)

    # -- jobs -----------------------------------------------------------------------------

    def submit_many(self, items: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
        """Submit ``(identifier, tool, input)`` jobs in batches of 100; their ids."""
        ids: list[str] = []
        with self.stack.api as api:
            for start in range(0, len(items), 100):
                body = {
                    "jobs": [
                        {"identifier": i, "tool_name": t, "tool_input": x}
                        for i, t, x in items[start : start + 100]
                    ]
                }
                response = api.post("/v1/jobs/batch", json=body)
                assert response.status_code == 202, response.text
                for job in response.json()["jobs"]:
                    assert job.get("error") is None, job
                    ids.append(job["id"])
        return ids

    def list_traffic(
        self, identifiers: list[str], *, seconds: float, per_tick: int, rng: random.Random
    ) -> list[str]:
        """Steady tool traffic: ``per_tick`` list calls for accounts drawn from ``identifiers``
        every 0.4 s for ``seconds``; the jobs' ids."""
        ids: list[str] = []
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            ids += self.submit_many(
                [(rng.choice(identifiers), LIST_TOOL, LIST_INPUT) for _ in range(per_tick)]
            )
            time.sleep(0.4)
        return ids

    def jobs(self, ids: list[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        with self.stack.api as api:
            for start in range(0, len(ids), 100):
                chunk = ",".join(ids[start : start + 100])
                response = api.get("/v1/jobs", params={"ids": chunk})
                assert response.status_code == 200, response.text
                found.extend(response.json()["jobs"])
        return found

    def wait_jobs(self, ids: list[str], *, timeout: float = 60) -> list[dict[str, Any]]:
        """Poll until every job is terminal; the final views (fails with the laggards)."""
        deadline = time.monotonic() + timeout
        while True:
            views = self.jobs(ids)
            if all(v["status"] in TERMINAL for v in views):
                return views
            if time.monotonic() > deadline:
                pending = [(v["id"], v["status"]) for v in views if v["status"] not in TERMINAL]
                raise AssertionError(f"jobs still pending: {pending[:10]}\n{self.tail()}")
            time.sleep(0.2)

    # -- the sandbox ----------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        return self.stack.sandbox.control.stats()

    def refresh_counters(self) -> dict[tuple[str, str], float]:
        """The web's ``hubspot_actions_token_refreshes_total`` by ``(outcome, trigger)``."""
        text = httpx.get(f"{self.stack.base_url}/metrics", timeout=10).text
        return {
            (s.labels["outcome"], s.labels["trigger"]): s.value
            for family in text_string_to_metric_families(text)
            if family.name == "hubspot_actions_token_refreshes"
            for s in family.samples
            if s.name.endswith("_total")
        }

    def route_requests(self, route: str) -> int:
        """Requests the sandbox saw on ``route``, whatever their answer."""
        counts: dict[str, int] = self.stats()["requests"].get(route, {})
        return sum(counts.values())

    def refreshes(self, hub_id: int) -> int:
        return int(self.stats()["refreshes"].get(str(hub_id), 0))

    def tail(self, chars: int = 4000) -> str:
        return self.stack.logs()[-chars:]


def wait_until(
    check: Callable[[], bool], *, timeout: float, interval: float = 0.2, what: str = ""
) -> None:
    """Poll ``check`` until it holds (no timing is asserted: the timeout only bounds a hang)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(interval)


@contextmanager
def refresh_stack(
    log_dir: Path,
    *,
    token_ttl: int,
    margin_s: int,
    extra_env: dict[str, str] | None = None,
) -> Iterator[RefreshStack]:
    """A stack whose sandbox issues ``token_ttl``-second tokens, refreshed ``margin_s`` ahead."""
    env = {"TOKEN_REFRESH_MARGIN_SECONDS": str(margin_s), **(extra_env or {})}
    sandbox = SandboxConfig(token_ttl=token_ttl)
    with isolated_stack(
        "ha-refresh-", sandbox_config=sandbox, extra_env=env, log_dir=log_dir
    ) as stack:
        db = Database(stack.database_url, pool_size=2)
        try:
            yield RefreshStack(stack=stack, db=db)
        finally:
            db.dispose()
