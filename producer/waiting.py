"""Waiting for jobs to finish: one Redis subscription per process, for threads and coroutines.

The web's long-poll (``GET /v1/jobs/{id}?wait=N``, a coroutine) and the in-process Python API
(``Actions.get_job(wait=...)``, a thread) wait the same way: a listener thread turns
job-finished notifications into wake-ups of the waiters registered for that job. A waiter
registers before it reads the job (so a finish between the read and the wait is not missed) and
re-reads on a short timer as well, so a lost notification (Redis blip) costs latency, never a
wrong answer. Without Redis (``client_factory`` ``None``) waiters just poll on that timer.

The listener is a daemon thread: stopping it never blocks a process's shutdown (an asyncio
listener used to hang the web's lifespan when its connection would not close).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TypeVar

import redis

from broker.notify import JOB_DONE_CHANNEL
from core.logging import get_logger

log = get_logger(__name__)

#: A waiting caller re-reads its job at least this often, notification or not.
FALLBACK_POLL_S = 1.0

T = TypeVar("T")
Wake = Callable[[], None]


class JobWaiter:
    def __init__(self, client_factory: Callable[[], redis.Redis] | None) -> None:
        self._client_factory = client_factory
        self._wakes: defaultdict[str, set[Wake]] = defaultdict(set)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def wait_for(
        self, job_id: str, *, seconds: float, read: Callable[[], T], done: Callable[[T], bool]
    ) -> T:
        """``read()`` until ``done`` says so or ``seconds`` pass; the last read (threads)."""
        event = threading.Event()
        deadline = time.monotonic() + seconds
        with self._registered(job_id, event.set):
            while True:
                event.clear()  # before reading: a finish notified after this wakes the wait
                value = read()
                remaining = deadline - time.monotonic()
                if done(value) or remaining <= 0:
                    return value
                event.wait(min(remaining, FALLBACK_POLL_S))

    async def await_for(
        self,
        job_id: str,
        *,
        seconds: float,
        read: Callable[[], Awaitable[T]],
        done: Callable[[T], bool],
    ) -> T:
        """``wait_for`` for coroutines: the wait suspends, it never blocks the event loop."""
        event = asyncio.Event()
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + seconds

        def wake() -> None:
            with suppress(RuntimeError):  # the loop closed while the job was being waited on
                loop.call_soon_threadsafe(event.set)

        with self._registered(job_id, wake):
            while True:
                event.clear()
                value = await read()
                remaining = deadline - time.monotonic()
                if done(value) or remaining <= 0:
                    return value
                with suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), timeout=min(remaining, FALLBACK_POLL_S))

    def close(self) -> None:
        self._stop.set()

    @contextmanager
    def _registered(self, job_id: str, wake: Wake) -> Iterator[None]:
        with self._lock:
            self._wakes[job_id].add(wake)
            self._ensure_listener()
        try:
            yield
        finally:
            with self._lock:
                self._wakes[job_id].discard(wake)
                if not self._wakes[job_id]:
                    del self._wakes[job_id]

    def _ensure_listener(self) -> None:
        if self._thread is None and self._client_factory is not None:
            self._thread = threading.Thread(target=self._listen, name="job-waiter", daemon=True)
            self._thread.start()

    def _listen(self) -> None:
        assert self._client_factory is not None
        while not self._stop.is_set():
            try:
                client = self._client_factory()
                pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                pubsub.subscribe(JOB_DONE_CHANNEL)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and isinstance(message.get("data"), bytes):
                        self._notify(message["data"].decode())
                pubsub.close()
                client.close()
            except (redis.RedisError, OSError) as exc:
                log.warning("waiter.disconnected", error=type(exc).__name__)
                self._stop.wait(1.0)

    def _notify(self, job_id: str) -> None:
        with self._lock:
            wakes = list(self._wakes.get(job_id, ()))
        for wake in wakes:
            wake()
