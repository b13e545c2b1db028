"""Job leases: a running job's row says which worker holds it and until when.

One thread per worker process renews the leases of every job the process is running, in one
UPDATE, a few times per lease period. A worker killed mid-job stops renewing; the scheduler's
sweep re-queues jobs whose lease lapsed, so no job stays ``running`` forever.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from core.logging import get_logger
from store.errors import StoreUnavailable
from store.jobs import JobStore

log = get_logger(__name__)


class LeaseKeeper:
    def __init__(self, *, jobs: JobStore, owner: str, lease_seconds: float) -> None:
        self.jobs = jobs
        self.owner = owner
        self.lease_seconds = lease_seconds
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @contextmanager
    def hold(self, job_id: str) -> Iterator[None]:
        """Renew ``job_id``'s lease for as long as the block runs."""
        with self._lock:
            self._held.add(job_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._held.discard(job_id)

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        interval = max(self.lease_seconds / 3, 0.2)
        while not self._stop.wait(interval):
            with self._lock:
                held = list(self._held)
            if not held:
                continue
            try:
                self.jobs.renew_leases(held, owner=self.owner, lease_seconds=self.lease_seconds)
            except StoreUnavailable as exc:
                log.warning("lease.renew_failed", jobs=len(held), error=str(exc))
