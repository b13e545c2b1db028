"""One summary line per finished job, timed from the moment its message reached the worker.

``job.finished`` carries the status, attempts, error code and duration; log-based metrics and
the console read it (structured, no identifiers but the job id bound by ``JobContext``).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy

from core.logging import get_logger
from worker.middleware.ending import current_end

log = get_logger("worker.executor")


class JobSummary(Middleware):
    def __init__(self) -> None:
        self._started = threading.local()

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        self._started.at = time.perf_counter()

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        end = current_end()
        if end is None or not end.status.is_terminal:
            return
        if not end.landed:
            log.warning("job.lease_lost", job_id=end.job_id)
            return
        started = getattr(self._started, "at", time.perf_counter())
        log.info(
            "job.finished",
            status=end.status.value,
            attempts=end.attempts,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            **({"code": end.code} if end.code else {}),
        )
