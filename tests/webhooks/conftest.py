"""One stack for the webhook tests: short tokens (refreshes every few seconds, so a token
endpoint outage shows within the test), fast webhook retries, and a real HTTP receiver."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.config import SandboxConfig
from tests.support.redis_server import PrivateRedis
from tests.support.services import postgres_available, postgres_schema, require
from tests.support.stack import Stack, running_stack
from tests.support.webhook_receiver import WebhookReceiver, running_receiver

#: Sandbox token lifetime and our refresh margin: a refresh about every 4 seconds.
TOKEN_TTL_S = 8
REFRESH_MARGIN_S = 4


@pytest.fixture(scope="package")
def receiver() -> Iterator[WebhookReceiver]:
    """The HTTP receiver every webhook test subscribes (one path per test)."""
    with running_receiver() as server:
        yield server


@pytest.fixture(scope="package")
def stack() -> Iterator[Stack]:
    """Web, worker, scheduler and sandbox with fast webhook retries (0.3 s base)."""
    require(postgres_available(), "PostgreSQL")
    redis_server = PrivateRedis().start()
    try:
        with (
            postgres_schema() as url,
            running_stack(
                database_url=url,
                redis_url=redis_server.url,
                log_dir=Path(tempfile.mkdtemp(prefix="ha-webhooks-")),
                sandbox_config=SandboxConfig(token_ttl=TOKEN_TTL_S),
                extra_env={
                    "WEBHOOK_RETRY_BASE_SECONDS": "0.3",
                    "TOKEN_REFRESH_MARGIN_SECONDS": str(REFRESH_MARGIN_S),
                    "WORKER_THREADS": "4",
                },
            ) as running,
        ):
            yield running
    finally:
        redis_server.close()
