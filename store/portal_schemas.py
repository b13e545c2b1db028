"""The portal schema cache: each connected portal's properties and deal pipelines, by hub id.

The worker writes it after fetching from HubSpot (``worker.portal_schema``); the web process reads
it on every create/update submission and for ``GET /v1/tools?identifier=``. One row per portal
(accounts of several users may share a portal): the latest fetch replaces the row whole. What the
document holds is ``schemas.portal``'s business; this module only stores and dates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from core.clock import Clock, SystemClock
from store.db import Database
from store.models import portal_schemas
from store.sql import insert_ignoring_conflicts


@dataclass(frozen=True)
class PortalSchemaRecord:
    hub_id: int
    document: dict[str, Any]
    fetched_at: datetime

    def is_fresh(self, now: datetime, ttl_seconds: float) -> bool:
        """Whether the copy is young enough to refuse a submission on its word."""
        return now - self.fetched_at < timedelta(seconds=ttl_seconds)


class PortalSchemaStore:
    def __init__(self, *, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def get(self, hub_id: int) -> PortalSchemaRecord | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(portal_schemas).where(portal_schemas.c.hub_id == hub_id)
            ).first()
        if row is None:
            return None
        m = row._mapping
        return PortalSchemaRecord(
            hub_id=m["hub_id"], document=dict(m["document"]), fetched_at=m["fetched_at"]
        )

    def fetched_at(self, hub_id: int) -> datetime | None:
        """When the portal's copy was fetched (None: no copy), without reading the document:
        a reader that keeps the parsed copy of that fetch need not read it again."""
        with self.db.read() as conn:
            value: datetime | None = conn.execute(
                select(portal_schemas.c.fetched_at).where(portal_schemas.c.hub_id == hub_id)
            ).scalar()
        return value

    def put(
        self, hub_id: int, document: dict[str, Any], *, fetched_at: datetime | None = None
    ) -> None:
        """Replace the portal's copy (an upsert: two workers fetching at once both succeed)."""
        at = fetched_at or self.clock.now()
        with self.db.write() as conn:
            inserted = insert_ignoring_conflicts(
                conn, portal_schemas, {"hub_id": hub_id, "document": document, "fetched_at": at}
            )
            if not inserted:
                conn.execute(
                    update(portal_schemas)
                    .where(portal_schemas.c.hub_id == hub_id)
                    .values(document=document, fetched_at=at)
                )

    def delete(self, hub_id: int) -> None:
        """Forget a portal's copy: its jobs are then accepted as if it had never been fetched."""
        with self.db.write() as conn:
            conn.execute(delete(portal_schemas).where(portal_schemas.c.hub_id == hub_id))
