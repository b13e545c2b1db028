"""Best-effort Redis writes sent from one thread per worker process, batched: job-finished
notifications and the job metrics.

Writing on the job's own thread costs Redis round trips per job before the thread can take the
next message: profiled at the 0 ms throughput load, the metric pipelines alone (one per HubSpot
answer, one per finished job) were a quarter of a worker thread's samples. Here the job thread only
queues its writes; one thread sends whatever has queued up, in one pipeline, in the order queued.
``JobMetrics`` queues a job's counts before ``JobDone`` queues its notification (Dramatiq runs
after-hooks in reverse), so a waiter woken by the notification already sees the job counted.
When the system is quiet it sends each write the moment it arrives (the thread is blocked on the
queue), so a long-poll still returns as soon as its job ends; under load, writes go out together.

Best effort like ``broker.notify``: a lost notification costs a waiter one fallback poll, a lost
metric one count. Nothing here decides a job's fate (that is SQL's), so DESIGN section 7 holds.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

import redis

from broker.notify import JOB_DONE_CHANNEL
from core.logging import get_logger

log = get_logger(__name__)

#: Most writes sent in one pipeline.
MAX_BATCH = 500

#: Adds commands to a (non-transactional) pipeline; must not read replies.
PipelineOps = Callable[[redis.client.Pipeline], object]


class RedisBatcher:
    """Queues pipeline operations from any thread; one thread sends them in batches."""

    def __init__(self, *, client: redis.Redis) -> None:
        self.client = client
        self._queue: queue.SimpleQueue[PipelineOps | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, ops: PipelineOps) -> None:
        """Queue ``ops`` for the next pipeline; returns at once."""
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="redis-batcher", daemon=True
                    )
                    self._thread.start()
        self._queue.put(ops)

    def notify(self, job_id: str) -> None:
        """Queue the job-finished notification of ``job_id`` (``broker.notify``'s channel)."""
        self.submit(lambda pipe: pipe.publish(JOB_DONE_CHANNEL, job_id))

    def close(self) -> None:
        """Send what is queued, then stop the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(5)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            batch = [] if first is None else [first]
            stopping = first is None
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
            self._send(batch)
            if stopping:
                return

    def _send(self, batch: list[PipelineOps]) -> None:
        if not batch:
            return
        try:
            pipe = self.client.pipeline(transaction=False)
            for ops in batch:
                ops(pipe)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("worker.redis_batch_failed", writes=len(batch), error=type(exc).__name__)
