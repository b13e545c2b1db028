"""Fixtures shared by every test directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from store.db import Database
from store.migrate import upgrade
from tests.support.services import (
    REDIS_BASE,
    postgres_available,
    postgres_schema,
    redis_available,
    require,
)

#: The shared pipeline stack and its clients (``stack``, ``actions``, ``clear_faults``...), used
#: by the tools, execution and clients packages; registered once here rather than re-exported by
#: a conftest in each (pytest takes ``pytest_plugins`` only from the top-level conftest).
pytest_plugins = ["tests.support.tools_fixtures"]


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A real Redis database, empty at the start of the test."""
    require(redis_available(), "Redis")
    client = redis.Redis.from_url(REDIS_BASE)
    client.flushdb()
    yield REDIS_BASE
    client.flushdb()
    client.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    require(postgres_available(), "PostgreSQL")
    with postgres_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    require(postgres_available(), "PostgreSQL")
    with postgres_schema() as url:
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database (SQLite or PostgreSQL)."""
    database = Database(database_url)
    upgrade(database)
    yield database
    database.dispose()
