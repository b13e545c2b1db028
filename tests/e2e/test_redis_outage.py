"""Redis down at submit: the job is accepted (202), stored, and runs once Redis is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.redis_server import PrivateRedis
from tests.support.services import postgres_available, postgres_schema, require
from tests.support.stack import Stack, running_stack


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis().start()
    yield server
    server.close()


@pytest.fixture
def outage_stack(private_redis: PrivateRedis, tmp_path: Path) -> Iterator[Stack]:
    require(postgres_available(), "PostgreSQL")
    with (
        postgres_schema() as url,
        running_stack(database_url=url, redis_url=private_redis.url, log_dir=tmp_path) as stack,
    ):
        yield stack


def test_submit_while_redis_is_down_runs_when_it_returns(
    outage_stack: Stack, private_redis: PrivateRedis
) -> None:
    """202 while Redis is down; the sweep enqueues the stored job once Redis is back."""
    outage_stack.connect("outage_user")
    private_redis.stop()
    submitted = outage_stack.submit(
        "outage_user", "hubspot_contact_create", {"email": "outage@b.co"}
    )
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()["job"]
    assert job["status"] == "queued"
    time.sleep(1.5)
    with outage_stack.api as api:
        still = api.get(f"/v1/jobs/{job['id']}").json()["job"]
    assert still["status"] == "queued"
    private_redis.start()
    done = outage_stack.wait(job["id"], timeout=30)
    assert done["status"] == "succeeded", outage_stack.logs()[-4000:]
    assert done["attempts"] == 1
