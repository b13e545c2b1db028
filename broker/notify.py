"""Job-finished notifications, so long-polls return the moment a job ends instead of sleeping.

Best effort by design: a waiter that misses a notification still re-reads the job on its own
short timer, so a Redis hiccup costs latency, never a wrong answer.
"""

from __future__ import annotations

import redis

from core.logging import get_logger

log = get_logger(__name__)

#: Pub/sub channel carrying the ids of jobs that reached a terminal status.
JOB_DONE_CHANNEL = "ha:jobs:done"


def publish_job_done(client: redis.Redis, job_ids: list[str]) -> None:
    if not job_ids:
        return
    try:
        if len(job_ids) == 1:
            client.publish(JOB_DONE_CHANNEL, job_ids[0])
            return
        pipe = client.pipeline(transaction=False)
        for job_id in job_ids:
            pipe.publish(JOB_DONE_CHANNEL, job_id)
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("job.done_notify_failed", jobs=len(job_ids), error=type(exc).__name__)
