"""The web app in this process, on SQLite and on PostgreSQL, with an API key and an account."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

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
from tests.support.web_app import activate, web_settings


@dataclass
class Web:
    client: TestClient
    db: Database
    redis: redis.Redis
    api_key: str

    def stored(self) -> tuple[int, int]:
        """Job rows, and messages waiting in the interactive queue."""
        with self.db.read() as conn:
            rows = int(conn.execute(select(func.count()).select_from(jobs)).scalar_one())
        return rows, int(self.redis.hlen("dramatiq:interactive.msgs"))


@pytest.fixture(params=["sqlite", "postgresql"])
def web(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Web]:
    """The app on each database, through FastAPI's TestClient (server errors answer 500)."""
    require(redis_available(), "Redis")
    client_redis = redis.Redis.from_url(REDIS_BASE)
    client_redis.flushdb()
    with _database(request.param, tmp_path) as url:
        key = "hak_" + secrets.token_urlsafe(24)
        settings = web_settings(url, key)
        activate(settings)
        app = create_app(settings)
        db = Database(url)
        headers = {"Authorization": f"Bearer {key}"}
        with TestClient(app, headers=headers, raise_server_exceptions=False) as client:
            yield Web(client=client, db=db, redis=client_redis, api_key=key)
        db.dispose()
    client_redis.flushdb()
    client_redis.close()


def _database(kind: str, tmp_path: Path) -> AbstractContextManager[str]:
    if kind == "sqlite":
        return nullcontext(f"sqlite:///{tmp_path / 'web.db'}")
    require(postgres_available(), "PostgreSQL")
    return postgres_schema()
