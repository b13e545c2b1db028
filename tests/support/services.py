"""Live services for tests: real Redis and PostgreSQL, skipped locally when absent, required in CI.

Redis tests use database 9 of the local server (flushed per test) so a developer's database 0 is
left alone; PostgreSQL tests each get a fresh schema of the ``test`` database, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest
import redis
from sqlalchemy import create_engine, text

REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
POSTGRES_BASE = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(available: bool, what: str) -> None:
    """Skip (locally) or fail (in CI) when a live service is missing."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{what} is required in CI but is not reachable")
    pytest.skip(f"{what} not reachable")


@cache
def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_BASE, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@cache
def postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_BASE, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema; yields a URL whose connections use it (search_path)."""
    name = f"t_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield f"{POSTGRES_BASE}?options=-csearch_path%3D{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()
