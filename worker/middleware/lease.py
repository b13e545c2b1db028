"""The lease of a running job, renewed for as long as its message is processed (and no longer).

Holding starts before the executor claims the job: renewals only touch a ``running`` row this
worker owns, so a job that another claim won (a duplicate message) is never renewed by us. The
keeper also stops renewing a job held past the attempt timeout (``LeaseKeeper.max_hold_s``): if
``TimeLimit`` cannot stop a thread stuck in a system call, the lease lapses and the sweep settles
the job (DESIGN.md s7, defect 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dramatiq import Broker
from dramatiq.broker import MessageProxy

from worker.lease import LeaseKeeper
from worker.middleware.hooks import MessageMiddleware
from worker.middleware.messages import job_id_of


@dataclass(eq=False, kw_only=True)
class JobLease(MessageMiddleware):
    keeper: LeaseKeeper

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        job_id = job_id_of(message)
        if job_id is not None:
            self.keeper.hold(job_id)

    def after_message(self, message: MessageProxy) -> None:
        job_id = job_id_of(message)
        if job_id is not None:
            self.keeper.release(job_id)

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        self.after_message(message)

    def after_worker_shutdown(self, broker: Broker, worker: Any) -> None:
        self.keeper.stop()
