"""Emitting webhook events: a delivery row per subscribed endpoint, then a schedule entry.

Emitters are the places where a job or an account changes: the worker's executor (a job's
terminal outcome), the refresher (revocation, expiry, recovery, refresh failures), the producer
(cancel, account created, connected, verified, deleted). Emitting must never fail or slow the
operation it reports, so every public method logs and swallows its own errors, and the common case
(nobody subscribed to this event) costs one Redis ``GET``: the endpoint list is cached per process
and reloaded only when the endpoints' version key (rewritten on every create and delete) changed,
or after ``CACHE_MAX_AGE_S``.

The rows are the source of truth: the schedule entry is best effort, and the scheduler's sweep
re-adds pending deliveries it does not find in the schedule (``broker.webhook_sweep``).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import redis

from broker.schedule import Schedule
from core.clock import Clock, SystemClock
from core.logging import get_logger
from schemas.accounts import AccountStatus
from schemas.connection import Connection
from schemas.jobs import JobStatus
from schemas.webhooks import WebhookEvent
from store.accounts import AccountRecord, AccountStore
from store.jobs import JobRecord, JobStore
from store.views import account_view, job_view
from store.webhooks import WebhookStore

log = get_logger(__name__)

#: Rewritten (a random token) whenever an endpoint is created or deleted.
ENDPOINTS_VERSION_KEY = "ha:webhooks:endpoints_version"
#: The cache is reloaded at least this often even when the version key says nothing changed.
CACHE_MAX_AGE_S = 60.0
#: At most one ``token_refresh_failed`` event per account in this window (``refresh_failed``).
REFRESH_FAILED_EVENT_WINDOW_S = 600
_REFRESH_FAILED_KEY = "ha:webhooks:refresh_failed:{account_id}"

_JOB_EVENTS = {
    JobStatus.SUCCEEDED: WebhookEvent.JOB_SUCCEEDED,
    JobStatus.FAILED: WebhookEvent.JOB_FAILED,
    JobStatus.CANCELLED: WebhookEvent.JOB_CANCELLED,
}


def endpoints_changed(client: redis.Redis) -> None:
    """Tell every process's cache to reload (called after a create or a delete)."""
    try:
        client.set(ENDPOINTS_VERSION_KEY, secrets.token_hex(8))
    except redis.RedisError as exc:  # caches reload after CACHE_MAX_AGE_S anyway
        log.warning("webhooks.version_bump_failed", error=type(exc).__name__)


@dataclass(eq=False, kw_only=True)
class WebhookEvents:
    store: WebhookStore
    schedule: Schedule
    redis_client: redis.Redis
    jobs: JobStore
    accounts: AccountStore
    connection: Connection
    clock: Clock = field(default_factory=SystemClock)
    # The per-process cache of subscribed endpoints (``_subscribed``), and what it was loaded at.
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _version: bytes | str | None = field(default=None, init=False, repr=False)
    _loaded_at: float = field(default=float("-inf"), init=False, repr=False)
    _subscribers: dict[WebhookEvent, list[str]] = field(
        default_factory=dict, init=False, repr=False
    )

    # -- jobs -----------------------------------------------------------------------------

    def job_finished(self, job_id: str) -> None:
        """The job reached a terminal status: ``job.succeeded``/``failed``/``cancelled``."""
        self.jobs_finished([job_id])

    def jobs_finished(self, job_ids: list[str]) -> None:
        try:
            if not job_ids:
                return
            subscribers = self._subscribers_now()  # one version read for the whole batch
            if not any(subscribers.get(e) for e in _JOB_EVENTS.values()):
                return
            for job in self.jobs.get_many(job_ids):
                self._emit_job(job)
        except Exception as exc:
            log.warning("webhooks.emit_failed", kind="job", error=type(exc).__name__)

    def _emit_job(self, job: JobRecord) -> None:
        event = _JOB_EVENTS.get(job.status)
        if event is not None:
            self._emit(event, job_view(job).model_dump(mode="json"))

    # -- accounts -------------------------------------------------------------------------

    def account(
        self,
        event: WebhookEvent,
        account: AccountRecord | str,
        *,
        old_status: AccountStatus | None = None,
    ) -> None:
        """An account event; ``account`` is the record as it is now, or its id to read it."""
        try:
            if not self._endpoints_for(event):
                return
            record = account if isinstance(account, AccountRecord) else self._account(account)
            if record is None:
                return
            data: dict[str, Any] = account_view(record, self.connection).model_dump(mode="json")
            if event is WebhookEvent.ACCOUNT_STATUS_UPDATED:
                if old_status == record.status:
                    return  # no change, nothing to say
                data["old_status"] = old_status.value if old_status else None
            self._emit(event, data)
        except Exception as exc:
            log.warning("webhooks.emit_failed", kind=event.value, error=type(exc).__name__)

    def status_changed(self, account_id: str, old_status: AccountStatus | None) -> None:
        """``connected_account.status_updated`` when the stored status differs from ``old``."""
        self.account(WebhookEvent.ACCOUNT_STATUS_UPDATED, account_id, old_status=old_status)

    def refresh_failed(self, account_id: str) -> None:
        """``token_refresh_failed``, at most once per account per 10 minutes.

        A token endpoint outage fails every account's refresh again and again (with backoff);
        a receiver wants to hear that an account is in trouble, not every retry. The first
        failure is reported at once; status changes it causes (``EXPIRED``) have their own event.
        """
        try:
            if not self._endpoints_for(WebhookEvent.ACCOUNT_TOKEN_REFRESH_FAILED):
                return
            key = _REFRESH_FAILED_KEY.format(account_id=account_id)
            if not self.redis_client.set(key, "1", nx=True, ex=REFRESH_FAILED_EVENT_WINDOW_S):
                return
        except Exception as exc:
            log.warning("webhooks.emit_failed", kind="refresh_failed", error=type(exc).__name__)
            return
        self.account(WebhookEvent.ACCOUNT_TOKEN_REFRESH_FAILED, account_id)

    def _account(self, account_id: str) -> AccountRecord | None:
        return self.accounts.get_by_id(account_id)

    # -- the common part ------------------------------------------------------------------

    def _emit(self, event: WebhookEvent, data: dict[str, Any]) -> None:
        endpoint_ids = self._endpoints_for(event)
        if not endpoint_ids:
            return
        payload = {"type": event.value, "timestamp": _iso(self.clock.now()), "data": data}
        ids = self.store.add_deliveries(endpoint_ids, event_type=event, payload=payload)
        now = self.clock.time()
        try:
            self.schedule.add_many(dict.fromkeys(ids, now))
        except redis.RedisError as exc:  # the rows are stored: the sweep schedules them
            log.warning("webhooks.schedule_failed", error=type(exc).__name__)
        log.info("webhooks.emitted", event_type=event.value, deliveries=len(ids))

    def _endpoints_for(self, event: WebhookEvent) -> list[str]:
        """The ids of the endpoints subscribed to ``event`` (cached, see the module docstring)."""
        return list(self._subscribers_now().get(event, []))

    def _subscribers_now(self) -> dict[WebhookEvent, list[str]]:
        """Event -> subscribed endpoint ids, reloaded when the version key changed."""
        try:
            version = self.redis_client.get(ENDPOINTS_VERSION_KEY)
        except redis.RedisError:
            version = self._version
        fresh = time.monotonic() - self._loaded_at < CACHE_MAX_AGE_S
        with self._lock:
            if not fresh or version != self._version:
                subscribers: dict[WebhookEvent, list[str]] = {}
                for endpoint in self.store.list_endpoints():
                    for subscribed in endpoint.events:
                        subscribers.setdefault(subscribed, []).append(endpoint.id)
                self._subscribers = subscribers
                self._version = version
                self._loaded_at = time.monotonic()
            return self._subscribers


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
