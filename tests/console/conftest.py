"""Console tests: the web app in this process (SQLite, real Redis database of ``TEST_REDIS_URL``)
for the fast refusals, the shared pipeline stack for the API and metrics tests."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.settings import Settings
from producer.api.app import create_app
from store.db import Database
from store.keyring import generate_key_spec
from store.migrate import upgrade
from tests.support.services import REDIS_BASE, redis_available, require
from tests.support.tools_fixtures import clear_faults, stack

__all__ = ["clear_faults", "stack"]


@dataclass
class LocalConsole:
    app: FastAPI
    client: TestClient
    api_key: str


def local_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings of a web app on a fresh SQLite file and the test Redis database."""
    values: dict[str, object] = {
        "database_url": f"sqlite:///{tmp_path / 'console.db'}",
        "redis_url": REDIS_BASE,
        "bootstrap_api_key": "hak_" + secrets.token_urlsafe(24),
        "hubspot_client_id": "console-client",
        "hubspot_client_secret": "console-secret",
        "hubspot_api_base": "http://127.0.0.1:9",
        "token_encryption_keys": generate_key_spec("console"),
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalConsole]:
    """The web app in this process; its client follows no redirects (tests read them)."""
    require(redis_available(), "Redis")
    redis.Redis.from_url(REDIS_BASE).flushdb()
    settings = local_settings(tmp_path)
    db = Database(settings.database_url)
    upgrade(db)
    db.dispose()
    app = create_app(settings)
    assert settings.bootstrap_api_key is not None
    key = settings.bootstrap_api_key.get_secret_value()
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield LocalConsole(app=app, client=client, api_key=key)
    redis.Redis.from_url(REDIS_BASE).flushdb()
