"""One stack for the webhook tests: short tokens (refreshes every few seconds, so a token
endpoint outage shows within the test), fast webhook retries, and a real HTTP receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.config import SandboxConfig
from tests.support.stack import Stack, isolated_stack
from tests.support.webhook_receiver import WebhookReceiver, running_receiver

#: Sandbox token lifetime and our refresh margin: a refresh about every 4 seconds.
TOKEN_TTL_S = 8
REFRESH_MARGIN_S = 4
STACK_ENV = {
    "WEBHOOK_RETRY_BASE_SECONDS": "0.3",
    "TOKEN_REFRESH_MARGIN_SECONDS": str(REFRESH_MARGIN_S),
    "WORKER_THREADS": "4",
}


@pytest.fixture(scope="package")
def receiver() -> Iterator[WebhookReceiver]:
    """The HTTP receiver every webhook test subscribes (one path per test)."""
    with running_receiver() as server:
        yield server


@pytest.fixture(scope="package")
def stack() -> Iterator[Stack]:
    """Web, worker, scheduler and sandbox with fast webhook retries (0.3 s base)."""
    sandbox = SandboxConfig(token_ttl=TOKEN_TTL_S)
    with isolated_stack("ha-webhooks-", sandbox_config=sandbox, extra_env=STACK_ENV) as running:
        yield running
