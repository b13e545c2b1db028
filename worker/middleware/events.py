"""Webhook events of a job's end: ``job.succeeded`` / ``job.failed`` (DESIGN section 14).

A middleware, like the done notification beside it: the executor only reports how the attempt
ended (``worker.middleware.ending``) and this turns a landed terminal ending into delivery rows.
``WebhookEvents`` never raises (a webhook problem never fails the job it reports) and costs one
Redis read when nobody subscribes.
"""

from __future__ import annotations

from dataclasses import dataclass

from dramatiq.broker import MessageProxy

from broker.events import WebhookEvents
from worker.middleware.ending import current_ends
from worker.middleware.hooks import MessageMiddleware


@dataclass(eq=False, kw_only=True)
class JobEvents(MessageMiddleware):
    events: WebhookEvents

    def after_message(self, message: MessageProxy) -> None:
        # A coalesced batch's endings are announced together: one subscriber lookup for all.
        finished = [e.job_id for e in current_ends() if e.finished]
        if finished:
            self.events.jobs_finished(finished)
