"""The e2e stack: real processes on PostgreSQL and real Redis, the sandbox over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.services import postgres_available, postgres_schema, redis_available, require
from tests.support.stack import Stack, running_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require(redis_available(), "Redis")
    require(postgres_available(), "PostgreSQL")
    import redis

    from tests.support.services import REDIS_BASE

    redis.Redis.from_url(REDIS_BASE).flushdb()
    log_dir: Path = tmp_path_factory.mktemp("logs")
    with (
        postgres_schema() as url,
        running_stack(database_url=url, redis_url=REDIS_BASE, log_dir=log_dir) as s,
    ):
        yield s
