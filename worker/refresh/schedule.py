"""The scheduler's two refresh duties: turn due accounts into refresh messages, and put back any
ACTIVE or EXPIRED account that Redis lost from the refresh schedule.

Per tick, the work is proportional to the entries that came due (one SQL query for their token
versions, one message each), never to the number of accounts. The sweep pages through accounts
by id and checks schedule membership with ``ZMSCORE`` in batches, so a million accounts cost a
few thousand cheap round trips per sweep, not a million.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol

from broker.schedule import Schedule, refresh_due_at
from core.logging import get_logger
from schemas.accounts import AccountStatus
from store.accounts import AccountStore

log = get_logger(__name__)

#: Accounts examined per sweep page (one SQL query and one ZMSCORE each).
SWEEP_PAGE = 500
#: The statuses whose accounts must be on the refresh schedule.
SCHEDULED_STATUSES = (AccountStatus.ACTIVE, AccountStatus.EXPIRED)


class RefreshSender(Protocol):
    """What the enqueuer needs of ``broker.dispatch.Dispatcher``."""

    def enqueue_refresh(self, account_id: str, version: int | None) -> None: ...


@dataclass(eq=False, kw_only=True)
class RefreshEnqueuer:
    """``Scheduler.refresh_hook``: one refresh message per claimed account, naming the token
    version it is meant to replace (a stale message then does nothing)."""

    accounts: AccountStore
    dispatcher: RefreshSender

    def __call__(self, account_ids: list[str]) -> None:
        targets = self.accounts.refresh_targets(account_ids)
        sent = 0
        for account_id in account_ids:
            target = targets.get(account_id)
            if target is None or not target.status.can_run_jobs:
                continue  # no tokens, revoked or disconnected: it stays off the schedule
            self.dispatcher.enqueue_refresh(account_id, target.version)
            sent += 1
        log.debug("scheduler.refreshes_enqueued", claimed=len(account_ids), sent=sent)


@dataclass(eq=False, kw_only=True)
class AccountSweep:
    """A ``Scheduler.sweep_hooks`` entry: SQL says which accounts need refreshing; re-add every
    one missing from the refresh schedule, due from its token's expiry."""

    accounts: AccountStore
    schedule: Schedule
    margin_s: float
    page: int = SWEEP_PAGE
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __call__(self) -> None:
        with self._lock:
            rescheduled = self.run()
        if rescheduled:
            log.info("scheduler.accounts_rescheduled", accounts=rescheduled)

    def run(self) -> int:
        """One pass over every ACTIVE and EXPIRED account; how many were put back."""
        after: str | None = None
        count = 0
        while True:
            ids = self.accounts.ids_with_status(SCHEDULED_STATUSES, after=after, limit=self.page)
            if not ids:
                return count
            count += self._restore(ids)
            after = ids[-1]

    def _restore(self, ids: list[str]) -> int:
        scores = self.schedule.due_of(ids)
        absent = [i for i, score in zip(ids, scores, strict=True) if score is None]
        if not absent:
            return 0
        targets = self.accounts.refresh_targets(absent)
        entries = {
            account_id: refresh_due_at(t.expires_at.timestamp(), margin_s=self.margin_s)
            for account_id, t in targets.items()
            if t.status.can_run_jobs
        }
        # NX: an entry that a refresh added since ZMSCORE looked is newer than ours.
        if entries:
            self.schedule.client.zadd(self.schedule.key, entries, nx=True)
        return len(entries)
