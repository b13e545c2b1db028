"""The producer's side of portal-aware tools (DESIGN.md section 13): read the cache, ask for it.

A submission is checked against the portal's cached schema only while the copy is younger than
``PORTAL_SCHEMA_TTL_SECONDS``; an older or missing copy checks nothing (the job is accepted and
HubSpot decides) and queues a refetch, which the worker runs (``worker.portal_schema``): no
HubSpot call is ever made on the web's request path. The portal-specific tool catalog shows a
stale copy too (a list of stages to choose from is still better than the defaults).

Checks keep the parsed schema of the last copy read, per portal, and re-read the document only
when the copy's ``fetched_at`` changed (every fetch stores a new one): reading and parsing a
portal's property list for each job was a fifth of the web's time in a batch submission.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

import redis

from core.logging import get_logger
from schemas.portal import PortalSchema
from schemas.portal_tools import portal_tool_catalog
from store.accounts import AccountRecord
from store.portal_schemas import PortalSchemaRecord, PortalSchemaStore

if TYPE_CHECKING:
    from producer.context import ProducerContext

log = get_logger(__name__)


def request_portal_schema(ctx: ProducerContext, account_id: str) -> None:
    """Queue a fetch of the account's portal schema; a Redis outage only logs (a later
    submission asks again)."""
    try:
        ctx.dispatcher.enqueue_portal_schema(account_id)
    except redis.RedisError as exc:
        log.warning("portal_schema.enqueue_failed", error=type(exc).__name__)


class PortalSchemas:
    """Cached schemas by account, as the submission path and the tool catalog use them."""

    def __init__(self, ctx: ProducerContext) -> None:
        self.ctx = ctx
        #: hub id -> (fetched_at, parsed schema) of the last copy checks read.
        self._parsed: dict[int, tuple[datetime, PortalSchema | None]] = {}

    @cached_property
    def store(self) -> PortalSchemaStore:
        return PortalSchemaStore(db=self.ctx.db, clock=self.ctx.clock)

    def _record(self, account: AccountRecord) -> PortalSchemaRecord | None:
        if account.hub_id is None:
            return None
        record = self.store.get(account.hub_id)
        ttl = float(self.ctx.settings.portal_schema_ttl_seconds)
        if record is None or not record.is_fresh(self.ctx.clock.now(), ttl):
            request_portal_schema(self.ctx, account.id)
        return record

    def for_checks(self, account: AccountRecord) -> PortalSchema | None:
        """The schema to check a submission against: fresh copies only."""
        if account.hub_id is None:
            return None
        fetched_at = self.store.fetched_at(account.hub_id)
        ttl = timedelta(seconds=float(self.ctx.settings.portal_schema_ttl_seconds))
        if fetched_at is None or self.ctx.clock.now() - fetched_at >= ttl:
            request_portal_schema(self.ctx, account.id)
            return None
        cached = self._parsed.get(account.hub_id)
        if cached is not None and cached[0] == fetched_at:
            return cached[1]
        record = self._record(account)  # a fetch may have landed in between: read it whole
        if record is None or not record.is_fresh(self.ctx.clock.now(), ttl.total_seconds()):
            return None
        schema = PortalSchema.from_document(record.document)
        self._parsed[account.hub_id] = (record.fetched_at, schema)
        return schema

    def tool_catalog(self, account: AccountRecord) -> list[dict[str, Any]]:
        """The catalog with the portal's options (any cached copy), else the plain one."""
        record = self._record(account)
        schema = None if record is None else PortalSchema.from_document(record.document)
        return portal_tool_catalog(schema)
