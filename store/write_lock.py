"""One SQLite writer at a time across processes, handed off promptly.

SQLite lets one connection write at a time; a writer that finds the database locked waits in
SQLite's busy handler, which sleeps in steps that grow from 1 to 100 ms. Threads of one process
already queue on a Python lock (``store.db``), but the web, the scheduler and every worker
process meet each other in that handler: in a bulk run (the web inserting batches while the
workers claim and finish theirs) a batch submission spent most of its wall clock asleep there
(bench/README.md). Here writers of every process take an ``flock`` on a file beside the
database first, polled in steps of at most ``MAX_STEP_S``, so the lock changes hands within a
millisecond or two of its release; SQLite's own lock then never makes anyone wait.

A process that dies holding the lock releases it (the kernel drops its file locks); one that
holds it for longer than the busy timeout makes the others give up, as SQLite would have.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from store.errors import StoreUnavailable

#: The longest pause between two tries for the lock (seconds).
MAX_STEP_S = 0.002
FIRST_STEP_S = 0.0002


class ProcessWriteLock:
    """An exclusive ``flock`` on ``path``, opened once per process (a forked child reopens it:
    a descriptor shared across a fork would share the lock too)."""

    def __init__(self, path: str, *, timeout_s: float) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self._fd: int | None = None
        self._pid = -1
        self._open_lock = threading.Lock()

    def _descriptor(self) -> int:
        with self._open_lock:
            if self._fd is None or self._pid != os.getpid():
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            return self._fd

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the block (callers hold their process's thread lock already)."""
        fd = self._descriptor()
        deadline = time.monotonic() + self.timeout_s
        step = FIRST_STEP_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreUnavailable("database unavailable: the write lock is held") from None
                time.sleep(step)
                step = min(step * 2, MAX_STEP_S)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
