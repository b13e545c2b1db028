"""Telling waiters a job finished: one notification per terminal outcome this worker recorded.

Long-polling ``GET /v1/jobs/{id}?wait=N`` callers wake on it (``broker.notify``). Only an outcome
whose write landed is announced: a worker that lost its lease wrote nothing to announce.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy

from worker.middleware.ending import current_ends


class JobDone(Middleware):
    def __init__(self, *, notify: Callable[[str], None]) -> None:
        self.notify = notify

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        for end in current_ends():
            if end.landed and end.status.is_terminal:
                self.notify(end.job_id)
