"""What a job's ending counts: one summary log line, and the shared job metrics.

``JobSummary``: ``job.finished`` carries the status, attempts, error code and duration, timed from
the moment the message reached the worker (a coalesced batch: one ``batch.finished`` line, see
the class) (structured, no identifier but the job id bound by
``JobContext``). ``JobMetrics``: the Prometheus series of DESIGN section 16 (outcomes by tool, the
duration histogram, rate-limit waits), kept in Redis through ``worker.job_metrics``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import redis
import structlog
from dramatiq import Broker
from dramatiq.broker import MessageProxy

from broker.counters import JOBS_COUNTER, send_now
from broker.job_stats import JobOutcome, job_outcomes_ops
from core.clock import Clock
from core.logging import get_logger
from schemas.jobs import JobStatus
from worker import job_metrics
from worker.middleware.ending import current_ends
from worker.middleware.hooks import MessageMiddleware
from worker.notify_batch import PipelineOps

log = get_logger("worker.executor")


class JobSummary(MessageMiddleware):
    """One INFO line per job, or per coalesced batch.

    A message that ran one job logs its ``job.finished``. One that ran a batch logs a single
    ``batch.finished`` (size, outcomes by status and code, duration) and each job's
    ``job.finished`` at DEBUG, failures excepted: those stay at INFO, where an operator looks.
    A hundred INFO lines per batch call cost a bulk run a sixth of the worker's time in log
    formatting and redaction (bench/README.md), for lines that said the same thing.
    """

    def __init__(self) -> None:
        self._started = threading.local()

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        self._started.at = time.perf_counter()

    def after_message(self, message: MessageProxy) -> None:
        now = time.perf_counter()
        duration_ms = round((now - getattr(self._started, "at", now)) * 1000, 1)
        ends = current_ends()
        batch = len(ends) > 1
        outcomes: Counter[str] = Counter()
        for end in ends:
            if not end.status.is_terminal:
                continue
            if not end.landed:
                log.warning("job.lease_lost", job_id=end.job_id)
                continue
            outcomes[end.code or end.status.value] += 1
            quiet = batch and end.status is JobStatus.SUCCEEDED
            # The message's own job is named by the log context; a batch's others by job_id.
            named = {} if end.job_id == _bound_job_id() else {"job_id": end.job_id}
            (log.debug if quiet else log.info)(
                "job.finished",
                **named,
                status=end.status.value,
                attempts=end.attempts,
                duration_ms=duration_ms,
                **({"code": end.code} if end.code else {}),
            )
        if batch:
            log.info(
                "batch.finished",
                batch_size=len(ends),
                outcomes=dict(outcomes),
                duration_ms=duration_ms,
            )


#: Wait kinds counted by ``hubspot_actions_rate_limit_waits_total``.
RATE_WAIT_KINDS = frozenset({"rate_limited", "throttled"})


@dataclass(eq=False, kw_only=True)
class JobMetrics(MessageMiddleware):
    """Counts each landed ending: terminal outcomes by tool and code, and rate-limit waits.

    With ``submit`` (the process's ``RedisBatcher.submit``) a terminal outcome is queued for the
    batcher's next pipeline instead of costing the job thread a round trip of its own.
    """

    client: redis.Redis
    clock: Clock
    submit: Callable[[PipelineOps], None] | None = None

    def after_message(self, message: MessageProxy) -> None:
        """The message's landed terminal endings counted together (``job_outcomes_ops``: a
        coalesced batch's hundred in a few commands), its rate-limit waits one by one."""
        now = self.clock.now()
        finished: list[JobOutcome] = []
        for end in current_ends():
            if not end.landed:
                continue
            if end.status.is_terminal and end.due_at is not None:
                finished.append(
                    job_metrics.job_outcome(
                        tool=end.tool,
                        due=end.due_at,
                        status=end.status.value,
                        code=end.code,
                        now=now,
                    )
                )
            elif end.wait_kind in RATE_WAIT_KINDS:
                job_metrics.rate_limit_wait(self.client, str(end.wait_kind))
        if not finished:
            return
        ops = partial(job_outcomes_ops, jobs=finished)
        if self.submit is not None:
            self.submit(ops)
        else:
            send_now(self.client, ops, metric=JOBS_COUNTER)


def _bound_job_id() -> object:
    return structlog.contextvars.get_contextvars().get("job_id")
