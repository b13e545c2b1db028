"""The web app in this process, on SQLite and on PostgreSQL, with an API key and an account."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core.settings import Settings
from producer.api.app import create_app
from schemas.tools import all_required_scopes
from store.accounts import AccountStore
from store.db import Database
from store.keyring import generate_key_spec
from store.migrate import upgrade
from store.models import jobs
from tests.support.services import (
    REDIS_BASE,
    postgres_available,
    postgres_schema,
    redis_available,
    require,
)

#: The identifier of the active account every web fixture has.
IDENTIFIER = "web_user"


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


def web_settings(database_url: str, api_key: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "redis_url": REDIS_BASE,
        "bootstrap_api_key": api_key,
        "hubspot_client_id": "web-client",
        "hubspot_client_secret": "web-secret",
        "hubspot_api_base": "http://127.0.0.1:9",
        "token_encryption_keys": generate_key_spec("web"),
        "log_level": "WARNING",
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


def activate(settings: Settings) -> None:
    """Migrate the database and give ``IDENTIFIER`` an active account with every scope."""
    db = Database(settings.database_url)
    try:
        upgrade(db)
        store = AccountStore(db=db)
        account = store.get_or_create(connection_name="hubspot", identifier=IDENTIFIER)
        with db.write() as conn:
            store.activate(
                conn,
                account_id=account.id,
                hub_id=1,
                granted_scopes=("oauth", *all_required_scopes()),
                token_expires_at=datetime.now(UTC) + timedelta(hours=1),
            )
    finally:
        db.dispose()


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
