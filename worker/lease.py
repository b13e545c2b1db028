"""Job leases: a running job's row says which worker holds it and until when.

One thread per worker process renews the leases of every job the process is running, in one
UPDATE, a few times per lease period. A worker killed mid-job stops renewing; the scheduler's
sweep re-queues jobs whose lease lapsed (or fails them ``worker_lost`` after too many lapses), so
no job stays ``running`` forever.

Renewal is capped: a job held longer than ``max_hold_s`` (the attempt timeout plus one lease
period of grace for recording its outcome) is no longer renewed. ``TimeLimit`` normally stops such
an attempt first; the cap covers a thread it cannot interrupt (stuck in a system call), whose job
would otherwise stay ``running`` under a live lease forever.
"""

from __future__ import annotations

import threading
import time

from core.logging import get_logger
from store.errors import StoreUnavailable
from store.jobs import JobStore

log = get_logger(__name__)

#: How long a job may be held (renewed) when no cap is given: no cap.
UNCAPPED = float("inf")


class LeaseKeeper:
    def __init__(
        self,
        *,
        jobs: JobStore,
        owner: str,
        lease_seconds: float,
        max_hold_s: float = UNCAPPED,
    ) -> None:
        self.jobs = jobs
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.max_hold_s = max_hold_s
        self._held: dict[str, float] = {}  # job id -> monotonic time it was first held
        self._holds: dict[str, int] = {}  # job id -> holds not yet released
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def hold(self, job_id: str) -> None:
        """Renew ``job_id``'s lease (if this worker holds it) until as many ``release`` calls.

        Counted: a coalesced batch holds the leases of all its jobs (``worker.coalesce``) while
        another thread may hold and release one of them for its own (skipped) message; that
        release must not stop the renewal the batch still needs.
        """
        with self._lock:
            self._holds[job_id] = self._holds.get(job_id, 0) + 1
            self._held.setdefault(job_id, time.monotonic())
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
                self._thread.start()

    def release(self, job_id: str) -> None:
        with self._lock:
            left = self._holds.get(job_id, 0) - 1
            if left > 0:
                self._holds[job_id] = left
                return
            self._holds.pop(job_id, None)
            self._held.pop(job_id, None)

    def held(self) -> list[str]:
        """The jobs to renew now: held, and not past ``max_hold_s``."""
        cutoff = time.monotonic() - self.max_hold_s
        with self._lock:
            return [job_id for job_id, since in self._held.items() if since >= cutoff]

    def stop(self) -> None:
        self._stop.set()

    def renew(self) -> int:
        """One renewal round (the keeper thread's step; callable directly in tests)."""
        held = self.held()
        if not held:
            return 0
        try:
            return self.jobs.renew_leases(held, owner=self.owner, lease_seconds=self.lease_seconds)
        except StoreUnavailable as exc:
            log.warning("lease.renew_failed", jobs=len(held), error=str(exc))
            return 0

    def _run(self) -> None:
        interval = max(self.lease_seconds / 3, 0.2)
        while not self._stop.wait(interval):
            self.renew()
