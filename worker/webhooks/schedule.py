"""The scheduler's part in webhooks: enqueue due deliveries, and put back lost ones.

Each tick claims due delivery ids from the webhook schedule and sends one ``deliver_webhook``
message each. The sweep walks pending deliveries that should have been tried more than a sweep
interval ago and puts the ones missing from the schedule back (a Redis flush, a crash between the
claim and the enqueue, a failed ``ZADD``); a delivery still waiting in its queue may thereby get a
second message, which the actor's due check and per-endpoint lock make harmless.
"""

from __future__ import annotations

from datetime import timedelta

from broker.dispatch import Dispatcher
from broker.schedule import Schedule
from core.clock import Clock
from core.logging import get_logger
from store.webhooks import WebhookStore

log = get_logger(__name__)

#: Deliveries claimed per tick, and rows per sweep page.
CLAIM_BATCH = 500
SWEEP_PAGE = 500


class WebhookTick:
    def __init__(self, *, schedule: Schedule, dispatcher: Dispatcher) -> None:
        self.schedule = schedule
        self.dispatcher = dispatcher

    def __call__(self, now: float) -> None:
        due = self.schedule.claim_due(now, limit=CLAIM_BATCH)
        if due:
            self.dispatcher.enqueue_webhooks(due)


class WebhookSweep:
    def __init__(
        self, *, store: WebhookStore, schedule: Schedule, clock: Clock, interval_s: float
    ) -> None:
        self.store = store
        self.schedule = schedule
        self.clock = clock
        self.interval_s = interval_s

    def __call__(self) -> None:
        cutoff = self.clock.now() - timedelta(seconds=self.interval_s)
        now = self.clock.time()
        after: str | None = None
        readded = 0
        while True:
            page = self.store.overdue(cutoff, after=after, limit=SWEEP_PAGE)
            if not page:
                break
            scores = self.schedule.due_of(page)
            absent = {d: now for d, score in zip(page, scores, strict=True) if score is None}
            self.schedule.add_many(absent)
            readded += len(absent)
            after = page[-1]
        if readded:
            log.info("webhooks.swept", readded=readded)
