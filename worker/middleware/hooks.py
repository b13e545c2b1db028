"""Dramatiq's message hooks, written once for our middleware.

Dramatiq calls ``after_process_message`` with a fixed signature (the broker, the message and the
actor's result or exception, none of which our middleware reads but the message). Every one of
ours subclasses ``MessageMiddleware`` and overrides ``after_message`` instead; those that act on
the executor's reported endings (done notification, summary line, metrics, webhook events)
subclass ``EndingMiddleware`` and override ``on_end``, so the loop over a coalesced batch's
endings is written once too.
"""

from __future__ import annotations

from typing import Any

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy

from worker.middleware.ending import JobEnd, current_ends


class MessageMiddleware(Middleware):
    """A middleware whose after-processing hook needs only the message."""

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        self.after_message(message)

    def after_message(self, message: MessageProxy) -> None:
        """After the actor returned or raised (not after a skip: that is ``after_skip_message``)."""


class EndingMiddleware(MessageMiddleware):
    """Acts on each ending the executor reported for the message, in order.

    A message that ran a coalesced batch reports several. Not called after a skipped message:
    a skip can come before ``JobContext`` reset the thread's endings, which would then be an
    earlier message's.
    """

    def after_message(self, message: MessageProxy) -> None:
        for end in current_ends():
            self.on_end(end)

    def on_end(self, end: JobEnd) -> None:
        raise NotImplementedError
