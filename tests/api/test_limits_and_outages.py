"""The API's limits and its behaviour when the database goes away (DESIGN.md section 6)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from producer.api.app import create_app
from store.db import Database
from store.models import jobs
from tests.support.services import (
    REDIS_BASE,
    postgres_available,
    postgres_schema,
    redis_available,
    require,
)
from tests.support.tcp_proxy import TcpProxy
from tests.support.web_app import activate, web_settings

IDENTIFIER = "limits_user"


@dataclass
class Api:
    client: TestClient
    proxy: TcpProxy
    db: Database
    redis: redis.Redis

    def submit(self, tool_input: dict[str, object]) -> object:
        body = {"identifier": IDENTIFIER, "tool_name": "hubspot_contact_create"}
        return self.client.post("/v1/jobs", json={**body, "tool_input": tool_input})

    def stored(self) -> tuple[int, int]:
        with self.db.read() as conn:
            rows = int(conn.execute(select(func.count()).select_from(jobs)).scalar_one())
        return rows, int(self.redis.hlen("dramatiq:interactive.msgs"))


@pytest.fixture
def api() -> Iterator[Api]:
    """The web app in this process on PostgreSQL reached through a proxy the test can cut."""
    require(redis_available(), "Redis")
    require(postgres_available(), "PostgreSQL")
    client_redis = redis.Redis.from_url(REDIS_BASE)
    client_redis.flushdb()
    proxy = TcpProxy(5432).start()
    with postgres_schema() as direct_url:
        proxied_url = direct_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        key = "hak_" + secrets.token_urlsafe(24)
        settings = web_settings(proxied_url, key)
        activate(settings, identifier=IDENTIFIER)
        app = create_app(settings)
        db = Database(direct_url)
        with TestClient(app, headers={"Authorization": f"Bearer {key}"}) as client:
            yield Api(client=client, proxy=proxy, db=db, redis=client_redis)
        db.dispose()
    proxy.stop()
    client_redis.flushdb()


def test_tool_input_over_64_kib_is_refused_and_nothing_stored(api: Api) -> None:
    """A tool_input larger than 64 KiB: 422 invalid_tool_input, no row, no message."""
    before = api.stored()
    response = api.submit({"email": "big@b.co", "firstname": "x" * (65 * 1024)})
    assert response.status_code == 422  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "invalid_tool_input"
    assert "65536" in error["message"]
    assert api.stored() == before


def test_database_down_is_503_and_recovers(api: Api) -> None:
    """With the database unreachable every /v1 call answers 503 (retryable), then recovers."""
    ok = api.submit({"email": "before@b.co"})
    assert ok.status_code == 202  # type: ignore[attr-defined]
    job_id = ok.json()["job"]["id"]  # type: ignore[attr-defined]
    messages = api.stored()[1]
    api.proxy.stop()
    for response in (
        api.submit({"email": "during@b.co"}),
        api.client.get(f"/v1/jobs/{job_id}"),
        api.client.get("/v1/connected-accounts/hubspot/" + IDENTIFIER),
    ):
        assert response.status_code == 503, response.text  # type: ignore[attr-defined]
        error = response.json()["error"]  # type: ignore[attr-defined]
        assert error["code"] == "service_unavailable"
        assert error["retryable"] is True
    assert api.redis.hlen("dramatiq:interactive.msgs") == messages  # nothing enqueued
    api.proxy.start()  # the same port again: the database is back
    statuses = []
    for _ in range(5):  # broken pooled connections fail once each, then the pool is fresh
        statuses.append(api.client.get(f"/v1/jobs/{job_id}").status_code)
        if statuses[-1] == 200:
            break
        time.sleep(0.2)
    assert statuses[-1] == 200, statuses
