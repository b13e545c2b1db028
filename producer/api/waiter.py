"""Long-poll support: wake ``GET /v1/jobs/{id}?wait=N`` the moment its job finishes.

One Redis subscription per web process fans job-finished notifications out to the requests
waiting on them. A waiter registers before it reads the job (so a finish between the read and the
wait is not missed) and re-reads on a short timer as well, so a lost notification (Redis blip)
costs latency, never a wrong answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict

import redis.asyncio as aioredis

from broker.notify import JOB_DONE_CHANNEL
from core.logging import get_logger

log = get_logger(__name__)

#: A waiting request re-reads its job at least this often, notification or not.
FALLBACK_POLL_S = 1.0
#: How long ``stop`` waits for the listener to finish.
STOP_TIMEOUT_S = 2.0


class JobWaiter:
    def __init__(self, redis_url: str | None) -> None:
        self.redis_url = redis_url
        self._waiters: defaultdict[str, set[asyncio.Event]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.redis_url and self._task is None:
            self._task = asyncio.create_task(self._listen(), name="job-waiter")

    async def stop(self) -> None:
        """Cancel the listener; a listener stuck closing its connection is left behind after
        ``STOP_TIMEOUT_S`` rather than holding the process's shutdown (seen in tests)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=STOP_TIMEOUT_S)
            self._task = None

    def register(self, job_id: str) -> asyncio.Event:
        event = asyncio.Event()
        self._waiters[job_id].add(event)
        return event

    def unregister(self, job_id: str, event: asyncio.Event) -> None:
        events = self._waiters.get(job_id)
        if events is not None:
            events.discard(event)
            if not events:
                del self._waiters[job_id]

    def _notify(self, job_id: str) -> None:
        for event in self._waiters.get(job_id, ()):
            event.set()

    async def _listen(self) -> None:
        assert self.redis_url is not None
        backoff = 0.1
        while True:
            client = aioredis.Redis.from_url(self.redis_url, socket_connect_timeout=5)
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(JOB_DONE_CHANNEL)
                backoff = 0.1
                async for message in pubsub.listen():
                    data = message.get("data")
                    if isinstance(data, bytes):
                        self._notify(data.decode())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("waiter.disconnected", error=type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()
