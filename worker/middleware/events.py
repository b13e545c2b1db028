"""Webhook events of a job's end: ``job.succeeded`` / ``job.failed`` (DESIGN section 14).

A middleware, like the done notification beside it: the executor only reports how the attempt
ended (``worker.middleware.ending``) and this turns a landed terminal ending into delivery rows.
``WebhookEvents`` never raises (a webhook problem never fails the job it reports) and costs one
Redis read when nobody subscribes.
"""

from __future__ import annotations

from dataclasses import dataclass

from broker.events import WebhookEvents
from worker.middleware.ending import JobEnd
from worker.middleware.hooks import EndingMiddleware


@dataclass(eq=False, kw_only=True)
class JobEvents(EndingMiddleware):
    events: WebhookEvents

    def on_end(self, end: JobEnd) -> None:
        if end.finished:
            self.events.job_finished(end.job_id)
