"""Job-finished notifications sent from one thread per worker process, batched.

Publishing on the job's own thread costs a Redis round trip per job before the thread can take
the next message (about a tenth of a worker thread's time at full speed). Here the job thread
only queues the id; one publisher thread sends whatever has queued up, in one pipeline. When the
system is quiet it sends each id the moment it arrives (the thread is blocked on the queue), so
a long-poll still returns as soon as its job ends; under load, ids go out together.

Best effort like ``broker.notify``: a lost notification costs a waiter one fallback poll.
"""

from __future__ import annotations

import queue
import threading

import redis

from broker.notify import publish_job_done
from core.logging import get_logger

log = get_logger(__name__)

#: Most ids sent in one pipeline.
MAX_BATCH = 500


class DoneNotifier:
    def __init__(self, *, client: redis.Redis) -> None:
        self.client = client
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def notify(self, job_id: str) -> None:
        """Queue ``job_id`` for publication; returns at once."""
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="job-done-notifier", daemon=True
                    )
                    self._thread.start()
        self._queue.put(job_id)

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
            publish_job_done(self.client, batch)  # logs and swallows Redis errors
            if stopping:
                return
