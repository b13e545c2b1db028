"""Log context per message: every line a job or a refresh logs names it, bound once here."""

from __future__ import annotations

import structlog
from dramatiq import Broker
from dramatiq.broker import MessageProxy

from worker import job_metrics
from worker.middleware.ending import reset_end
from worker.middleware.hooks import MessageMiddleware
from worker.middleware.messages import account_id_of, job_id_of


class JobContext(MessageMiddleware):
    """Binds ``job_id`` (tool messages) or ``account_id`` (refreshes) for the message's lines.

    Worker threads are reused, so ``after_*`` clears everything the message bound (the executor
    adds ``tool`` once the claim says which), the ending the executor reported and the portal
    it named for the metrics.
    """

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        structlog.contextvars.clear_contextvars()
        reset_end()
        job_metrics.CURRENT_PORTAL.set(None)  # the executor names this message's portal
        job_id = job_id_of(message)
        if job_id is not None:
            structlog.contextvars.bind_contextvars(job_id=job_id)
        account_id = account_id_of(message)
        if account_id is not None:
            structlog.contextvars.bind_contextvars(account_id=account_id)

    def after_message(self, message: MessageProxy) -> None:
        structlog.contextvars.clear_contextvars()

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        self.after_message(message)
