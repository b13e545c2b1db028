"""Webhook endpoints and their deliveries (DESIGN.md s14).

An endpoint's signing secret is encrypted with the token keyring (AES-GCM, associated data binding
it to the endpoint id and the ``webhook_secret`` field), so a database dump alone cannot forge
events. A delivery is one event for one endpoint; its id is the ``webhook-id`` header of every
attempt, and its payload is frozen when the event happens (a later change to the job or account
does not rewrite what was said). Outcomes are conditional UPDATEs on the attempt count, so a
duplicate delivery message cannot record an attempt twice.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update

from core.clock import Clock, SystemClock
from core.ids import new_id
from schemas.webhooks import DeliveryStatus, WebhookEvent
from store.db import Database
from store.keyring import Keyring
from store.models import webhook_deliveries, webhook_endpoints
from store.sql import row_by_id

#: Random bytes of a signing secret (Standard Webhooks asks for 24 to 64).
SECRET_BYTES = 32
SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks format prefix, not a secret)
_SECRET_FIELD = "webhook_secret"  # noqa: S105 (the associated-data field name)


@dataclass(frozen=True)
class EndpointRecord:
    id: str
    url: str
    events: tuple[WebhookEvent, ...]
    description: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> EndpointRecord:
        return cls(
            id=row.id,
            url=row.url,
            events=tuple(WebhookEvent(e) for e in row.events),
            description=row.description,
            created_at=row.created_at,
        )


@dataclass(frozen=True)
class DeliveryRecord:
    id: str
    endpoint_id: str
    event_type: WebhookEvent
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> DeliveryRecord:
        m = dict(row._mapping)
        m["event_type"] = WebhookEvent(m["event_type"])
        m["status"] = DeliveryStatus(m["status"])
        return cls(**m)


def new_secret() -> str:
    """``whsec_`` + base64 of random bytes: the format the ``standardwebhooks`` library reads."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


class WebhookStore:
    def __init__(self, *, db: Database, keyring: Keyring, clock: Clock | None = None) -> None:
        self.db = db
        self.keyring = keyring
        self.clock = clock or SystemClock()

    # -- endpoints ------------------------------------------------------------------------

    def create_endpoint(
        self, *, url: str, events: list[WebhookEvent], description: str | None
    ) -> tuple[EndpointRecord, str]:
        """Store a subscription; returns it and its plaintext secret (shown once)."""
        endpoint_id = new_id("whe")
        secret = new_secret()
        key_id, secret_ct = self.keyring.encrypt(
            secret, account_id=endpoint_id, field=_SECRET_FIELD
        )
        values = {
            "id": endpoint_id,
            "url": url,
            "events": [e.value for e in events],
            "description": description,
            "key_id": key_id,
            "secret_ct": secret_ct,
            "created_at": self.clock.now(),
        }
        with self.db.write() as conn:
            conn.execute(insert(webhook_endpoints).values(**values))
            row = conn.execute(
                select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
            ).one()
        return EndpointRecord.from_row(row), secret

    def list_endpoints(self) -> list[EndpointRecord]:
        with self.db.read() as conn:
            rows = conn.execute(select(webhook_endpoints).order_by(webhook_endpoints.c.id))
            return [EndpointRecord.from_row(r) for r in rows]

    def get_endpoint(self, endpoint_id: str) -> EndpointRecord | None:
        with self.db.read() as conn:
            row = row_by_id(conn, webhook_endpoints, endpoint_id)
        return None if row is None else EndpointRecord.from_row(row)

    def delete_endpoint(self, endpoint_id: str) -> bool:
        """Delete a subscription and (cascade) its deliveries; False when there was none."""
        with self.db.write() as conn:
            conn.execute(
                delete(webhook_deliveries).where(webhook_deliveries.c.endpoint_id == endpoint_id)
            )
            gone = conn.execute(
                delete(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
            )
            return gone.rowcount == 1

    def secret(self, endpoint_id: str) -> str | None:
        """The endpoint's plaintext secret (``CredentialsUnreadable`` if it does not decrypt)."""
        with self.db.read() as conn:
            row = conn.execute(
                select(webhook_endpoints.c.key_id, webhook_endpoints.c.secret_ct).where(
                    webhook_endpoints.c.id == endpoint_id
                )
            ).first()
        if row is None:
            return None
        return self.keyring.decrypt(
            row.secret_ct, key_id=row.key_id, account_id=endpoint_id, field=_SECRET_FIELD
        )

    # -- deliveries -----------------------------------------------------------------------

    def add_deliveries(
        self, endpoint_ids: list[str], *, event_type: WebhookEvent, payload: dict[str, Any]
    ) -> list[str]:
        """One pending delivery per endpoint, due now; their ids (the ``webhook-id``s)."""
        now = self.clock.now()
        rows = [
            {
                "id": new_id("msg"),
                "endpoint_id": endpoint_id,
                "event_type": event_type.value,
                "payload": payload,
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for endpoint_id in endpoint_ids
        ]
        if rows:
            with self.db.write() as conn:
                conn.execute(insert(webhook_deliveries), rows)
        return [str(r["id"]) for r in rows]

    def get_delivery(self, delivery_id: str) -> DeliveryRecord | None:
        with self.db.read() as conn:
            row = row_by_id(conn, webhook_deliveries, delivery_id)
        return None if row is None else DeliveryRecord.from_row(row)

    def record_attempt(
        self,
        delivery: DeliveryRecord,
        *,
        status: DeliveryStatus,
        status_code: int | None,
        error: str | None,
        next_attempt_at: datetime | None,
    ) -> bool:
        """Record one attempt's outcome; False if another attempt was recorded meanwhile."""
        with self.db.write() as conn:
            result = conn.execute(
                update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.id == delivery.id,
                    webhook_deliveries.c.status == DeliveryStatus.PENDING.value,
                    webhook_deliveries.c.attempts == delivery.attempts,
                )
                .values(
                    status=status.value,
                    attempts=delivery.attempts + 1,
                    last_status_code=status_code,
                    last_error=error,
                    next_attempt_at=next_attempt_at,
                    updated_at=self.clock.now(),
                )
            )
            return result.rowcount == 1

    def list_deliveries(self, endpoint_id: str, *, limit: int) -> list[DeliveryRecord]:
        """The endpoint's latest deliveries, newest first."""
        stmt = (
            select(webhook_deliveries)
            .where(webhook_deliveries.c.endpoint_id == endpoint_id)
            .order_by(webhook_deliveries.c.id.desc())
            .limit(limit)
        )
        with self.db.read() as conn:
            return [DeliveryRecord.from_row(r) for r in conn.execute(stmt)]

    def overdue(self, before: datetime, *, after: str | None, limit: int) -> list[str]:
        """Pending deliveries due before ``before``, paged by id (the sweep re-adds lost ones)."""
        stmt = (
            select(webhook_deliveries.c.id)
            .where(
                webhook_deliveries.c.status == DeliveryStatus.PENDING.value,
                webhook_deliveries.c.next_attempt_at < before,
            )
            .order_by(webhook_deliveries.c.id)
            .limit(limit)
        )
        if after:
            stmt = stmt.where(webhook_deliveries.c.id > after)
        with self.db.read() as conn:
            return list(conn.execute(stmt).scalars())
