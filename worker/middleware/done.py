"""Telling waiters a job finished: one notification per terminal outcome this worker recorded.

Long-polling ``GET /v1/jobs/{id}?wait=N`` callers wake on it (``broker.notify``). Only an outcome
whose write landed is announced: a worker that lost its lease wrote nothing to announce.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from worker.middleware.ending import JobEnd
from worker.middleware.hooks import EndingMiddleware


@dataclass(eq=False, kw_only=True)
class JobDone(EndingMiddleware):
    notify: Callable[[str], None]

    def on_end(self, end: JobEnd) -> None:
        if end.finished:
            self.notify(end.job_id)
