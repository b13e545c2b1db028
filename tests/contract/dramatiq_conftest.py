"""The ``conftest.py`` our contract test puts beside Dramatiq's own ``tests/test_redis.py``.

Dramatiq's source distribution ships its test modules but not the ``conftest.py`` and
``tests/common.py`` they import, so this module provides the fixtures that module uses, built on
*our* broker: ``redis_broker`` is ``build_broker(...)`` (wake-ups on, as in the worker) on the
database named by ``DRAMATIQ_CONTRACT_REDIS_URL``, and ``worker`` / ``redis_worker`` are Dramatiq's
``Worker`` on it. It flushes only that database (never ``FLUSHALL``: the server is shared).

Dramatiq's default middleware is installed so their actors may declare ``max_retries`` and
``min_backoff``; our processes run without it (waiting goes through our schedule), which is why
the tests of delayed messages and retries are on the contract test's list of removed features.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dramatiq
import pytest
from dramatiq import Worker
from dramatiq.middleware import default_middleware

from broker.redis_broker import Broker, build_broker

#: Set by the contract test to a database of its own.
REDIS_URL = os.environ.get("DRAMATIQ_CONTRACT_REDIS_URL", "redis://127.0.0.1:6379/14")


@contextmanager
def worker(*args: Any, **kwargs: Any) -> Iterator[Worker]:
    """What Dramatiq's ``tests/common.py`` provides: a started worker, stopped on exit."""
    running = Worker(*args, **kwargs)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
def redis_broker() -> Iterator[Broker]:
    """Our broker in place of their ``RedisBroker()``, on an emptied database."""
    broker = build_broker(REDIS_URL, middleware=[m() for m in default_middleware])
    broker.client.flushdb()
    broker.emit_after("process_boot")
    dramatiq.set_broker(broker)
    yield broker
    broker.client.flushdb()
    if broker.wakeups is not None:
        broker.wakeups.stop()
    broker.close()


@pytest.fixture
def redis_worker(redis_broker: Broker) -> Iterator[Worker]:
    """Their worker settings: a 100 ms idle timeout, 32 threads."""
    with worker(redis_broker, worker_timeout=100, worker_threads=32) as running:
        yield running
