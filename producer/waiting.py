"""Waiting for jobs from threads (the in-process Python API): one subscription per process.

The same idea as the web's async waiter: a listener thread turns job-finished notifications into
per-job events; a waiter registers before it reads the job and re-reads on a short timer, so a
missed notification costs latency, never a wrong answer.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable

import redis

from broker.notify import JOB_DONE_CHANNEL
from core.logging import get_logger

log = get_logger(__name__)

FALLBACK_POLL_S = 1.0


class ThreadedJobWaiter:
    def __init__(self, client_factory: Callable[[], redis.Redis]) -> None:
        self._client_factory = client_factory
        self._events: defaultdict[str, set[threading.Event]] = defaultdict(set)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def wait(self, job_id: str, *, timeout: float, is_done: Callable[[], bool]) -> bool:
        """Block until ``is_done()`` (checked on notification and every second) or timeout."""
        event = threading.Event()
        with self._lock:
            self._events[job_id].add(event)
            self._ensure_listener()
        deadline = time.monotonic() + timeout
        try:
            while True:
                event.clear()
                if is_done():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                event.wait(min(remaining, FALLBACK_POLL_S))
        finally:
            with self._lock:
                self._events[job_id].discard(event)
                if not self._events[job_id]:
                    del self._events[job_id]

    def close(self) -> None:
        self._stop.set()

    def _ensure_listener(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._listen, name="job-waiter", daemon=True)
            self._thread.start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                client = self._client_factory()
                pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                pubsub.subscribe(JOB_DONE_CHANNEL)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and isinstance(message.get("data"), bytes):
                        self._notify(message["data"].decode())
            except (redis.RedisError, OSError) as exc:
                log.warning("waiter.disconnected", error=type(exc).__name__)
                self._stop.wait(1.0)

    def _notify(self, job_id: str) -> None:
        with self._lock:
            events = list(self._events.get(job_id, ()))
        for event in events:
            event.set()
