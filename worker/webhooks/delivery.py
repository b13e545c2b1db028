"""One delivery attempt: sign the frozen payload, POST it, record what the receiver said.

Standard Webhooks: ``webhook-id`` is the delivery id (the same on every attempt, so receivers can
de-duplicate), ``webhook-timestamp`` the attempt's time (signed, so a retry is signed afresh and
stays within the receivers' five-minute tolerance), ``webhook-signature`` ``v1,<base64 HMAC-SHA256
of "id.timestamp.body">`` computed by the ``standardwebhooks`` library itself.

Isolation (a slow or failing receiver never delays jobs or other receivers): deliveries run on
their own queue; each attempt has short timeouts; at most one attempt per endpoint is in flight
(a Redis lock per endpoint: a delivery finding it taken goes back to the schedule for a moment,
costing no attempt), so one slow receiver holds at most one worker thread. Waiting between
attempts goes through the webhook schedule, never a sleeping thread.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

import httpx
import redis
from redis.commands.core import Script
from standardwebhooks.webhooks import Webhook

from broker.schedule import Schedule
from core.clock import Clock, SystemClock
from core.logging import get_logger
from core.webhook_urls import Resolver, check_webhook_url, system_resolver
from schemas.webhooks import DeliveryStatus
from store.webhooks import DeliveryRecord, EndpointRecord, WebhookStore
from worker.webhooks.backoff import DeliveryBackoff

log = get_logger(__name__)

#: Per-attempt timeouts (seconds): connecting, and each read or write.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0
#: How long an endpoint's in-flight lock lives if its holder dies (beyond any attempt's length).
INFLIGHT_LOCK_MS = 30_000
#: A delivery finding its endpoint busy is tried again this much later (no attempt used).
BUSY_RETRY_S = 1.0
#: How early a message may run its delivery: a duplicate message for a later attempt is a no-op.
EARLY_SLACK_S = 0.5
_INFLIGHT_KEY = "ha:webhooks:inflight:{endpoint_id}"
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _http_client() -> httpx.Client:
    """Short per-attempt timeouts, and no redirects: only the checked URL is ever posted to."""
    return httpx.Client(
        timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        follow_redirects=False,
    )


@dataclass(eq=False, kw_only=True)
class WebhookDeliverer:
    store: WebhookStore
    schedule: Schedule
    redis_client: redis.Redis
    backoff: DeliveryBackoff
    production: bool
    http: httpx.Client = field(default_factory=_http_client)
    resolver: Resolver = system_resolver
    clock: Clock = field(default_factory=SystemClock)
    _release: Script = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._release = self.redis_client.register_script(_RELEASE)

    def deliver(self, delivery_id: str) -> None:
        """Make the delivery's next attempt if it is due (idempotent: a redelivery is a no-op)."""
        delivery = self.store.get_delivery(delivery_id)
        if delivery is None or not self._due(delivery):
            return
        lock = _INFLIGHT_KEY.format(endpoint_id=delivery.endpoint_id)
        token = secrets.token_hex(8)
        if not self.redis_client.set(lock, token, nx=True, px=INFLIGHT_LOCK_MS):
            self.schedule.add(delivery_id, self.clock.time() + BUSY_RETRY_S)
            return
        try:
            current = self.store.get_delivery(delivery_id)  # a duplicate may have delivered it
            endpoint = self.store.get_endpoint(delivery.endpoint_id)
            if current is not None and endpoint is not None and self._due(current):
                self._attempt(current, endpoint)
        finally:
            self._release(keys=[lock], args=[token])

    def _due(self, delivery: DeliveryRecord) -> bool:
        if delivery.status is not DeliveryStatus.PENDING:
            return False
        due = delivery.next_attempt_at
        return due is None or due <= self.clock.now() + timedelta(seconds=EARLY_SLACK_S)

    def _attempt(self, delivery: DeliveryRecord, endpoint: EndpointRecord) -> None:
        status_code, error = self._post(delivery, endpoint)
        # False when another attempt of the same delivery was recorded meanwhile.
        record = partial(self.store.record_attempt, delivery, status_code=status_code)
        if status_code is not None and 200 <= status_code < 300:
            record(status=DeliveryStatus.SUCCEEDED, error=None, next_attempt_at=None)
            log.info("webhook.delivered", delivery_id=delivery.id, status_code=status_code)
            return
        now = self.clock.now()
        delay = self.backoff.delay(delivery.attempts + 1)
        age = (now - delivery.created_at).total_seconds()
        if self.backoff.gives_up(age, delay):
            record(status=DeliveryStatus.FAILED, error=error, next_attempt_at=None)
            log.warning("webhook.gave_up", delivery_id=delivery.id, attempts=delivery.attempts + 1)
            return
        due = now + timedelta(seconds=delay)
        if record(status=DeliveryStatus.PENDING, error=error, next_attempt_at=due):
            try:
                self.schedule.add(delivery.id, due.timestamp())
            except redis.RedisError as exc:  # the sweep re-adds it from SQL
                log.warning("webhook.schedule_failed", error=type(exc).__name__)
        log.info(
            "webhook.attempt_failed",
            delivery_id=delivery.id,
            status_code=status_code,
            error=error,
            retry_in_s=round(delay, 2),
        )

    def _post(
        self, delivery: DeliveryRecord, endpoint: EndpointRecord
    ) -> tuple[int | None, str | None]:
        """The receiver's status code, or None and what went wrong (nothing secret in it)."""
        try:
            check_webhook_url(endpoint.url, production=self.production, resolver=self.resolver)
            secret = self.store.secret(endpoint.id)
            if secret is None:
                return None, "endpoint_deleted"
            body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
            headers = signed_headers(secret, delivery.id, self.clock.now(), body)
            response = self.http.post(endpoint.url, content=body.encode(), headers=headers)
        except httpx.TimeoutException:
            return None, "timeout"
        except httpx.HTTPError as exc:
            return None, type(exc).__name__
        except Exception as exc:  # a refused URL, an unreadable secret: retried like a failure
            return None, getattr(exc, "code", type(exc).__name__)
        return response.status_code, None

    def close(self) -> None:
        self.http.close()


def signed_headers(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt, signed by the ``standardwebhooks`` library."""
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body)
    return {
        "content-type": "application/json",
        "user-agent": "hubspot-actions-webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }
