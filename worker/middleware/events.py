"""Webhook events of a job's end: ``job.succeeded`` / ``job.failed`` (DESIGN section 14).

A middleware, like the done notification beside it: the executor only reports how the attempt
ended (``worker.middleware.ending``) and this turns a landed terminal ending into delivery rows.
``WebhookEvents`` never raises (a webhook problem never fails the job it reports) and costs one
Redis read when nobody subscribes.
"""

from __future__ import annotations

from typing import Any

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy

from broker.events import WebhookEvents
from worker.middleware.ending import current_ends


class JobEvents(Middleware):
    def __init__(self, *, events: WebhookEvents) -> None:
        self.events = events

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        # Several ends when the message ran a coalesced batch: announced together, one lookup.
        finished = [e.job_id for e in current_ends() if e.landed and e.status.is_terminal]
        if finished:
            self.events.jobs_finished(finished)
