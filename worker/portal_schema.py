"""Fetching a connected portal's schema into the cache (DESIGN.md section 13).

Runs as the ``refresh_portal_schema(account_id)`` actor: after the OAuth callback stores the
account's tokens, when a submission finds the cached copy older than
``PORTAL_SCHEMA_TTL_SECONDS``, and when HubSpot answers a job with ``INVALID_OPTION`` or
``PROPERTY_DOESNT_EXIST`` (the copy is wrong). Never on the web's request path.

Four reads with the account's token: the properties of contacts, companies and deals, and the
deal pipelines. A read HubSpot refuses with 403 ``MISSING_SCOPES`` leaves that part out of the
document (nothing is checked against it; HubSpot decides); when every part is refused the
document is empty and checks nothing. Any other failure (HubSpot down, rate limited, token
refused) keeps the old copy and leaves the "pending" marker to expire, so a failing HubSpot is
asked at most once per ``PORTAL_SCHEMA_PENDING_S`` per account, not once per submission.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from broker.dispatch import PORTAL_SCHEMA_PENDING_KEY
from core.logging import get_logger
from hubspot_client.client import HubSpotClient
from hubspot_client.errors import HubSpotError, HubSpotMissingScopes
from hubspot_client.responses import HubSpotResponse
from schemas.portal import OBJECT_TYPES, compact_pipelines, compact_properties, new_document
from store.accounts import AccountStore
from store.portal_schemas import PortalSchemaStore
from worker.ratelimit import RateLimiter
from worker.refresh.tokens import TokenProvider

log = get_logger(__name__)


@dataclass(eq=False, kw_only=True)
class PortalSchemaFetcher:
    accounts: AccountStore
    tokens: TokenProvider
    hubspot: HubSpotClient
    store: PortalSchemaStore
    redis_client: redis.Redis
    limiter: RateLimiter | None = None

    def run(self, account_id: str) -> None:
        """Fetch and store; idempotent (a redelivered message fetches again, harmlessly)."""
        account = self.accounts.get_by_id(account_id)
        if account is None or account.hub_id is None or not account.status.can_run_jobs:
            log.info("portal_schema.skipped", account_id=account_id)
            self._done(account_id)
            return
        try:
            token = self.tokens.get(account.id).value.get_secret_value()
            document = self._fetch(account.hub_id, token)
        except HubSpotError as exc:
            log.warning("portal_schema.fetch_failed", account_id=account_id, error=exc.code)
            return  # the pending marker expires: retried by a later request, not at once
        # An empty document (every read refused) is stored too: it records that the portal was
        # asked, so its submissions do not queue a fetch each until the TTL passes.
        self.store.put(account.hub_id, document)
        log.info(
            "portal_schema.stored",
            account_id=account_id,
            hub_id=account.hub_id,
            types=sorted(document["properties"]),
            pipelines=None if "pipelines" not in document else len(document["pipelines"]),
        )
        self._done(account_id)

    def _fetch(self, hub_id: int, token: str) -> dict[str, Any]:
        properties: dict[str, list[dict[str, Any]]] = {}
        for object_type in OBJECT_TYPES:
            body = self._read(hub_id, functools.partial(self._properties, object_type, token))
            if body is not None:
                properties[object_type] = compact_properties(body)
        body = self._read(hub_id, lambda: self.hubspot.get_deal_pipelines(access_token=token))
        pipelines = None if body is None else compact_pipelines(body)
        return new_document(properties, pipelines)

    def _properties(self, object_type: str, token: str) -> HubSpotResponse:
        return self.hubspot.get_properties(object_type, access_token=token)

    def _read(self, hub_id: int, call: Callable[[], HubSpotResponse]) -> Any | None:
        """The body of one read; None when the grant lacks the scope for it."""
        self._count(hub_id)
        try:
            return call().body
        except HubSpotMissingScopes:
            return None

    def _count(self, hub_id: int) -> None:
        """Spend the portal's budget like jobs do (counted, not waited for: four cheap reads)."""
        if self.limiter is None:
            return
        try:
            self.limiter.record(hub_id=hub_id, holder=f"schema.{uuid.uuid4().hex}", search=False)
        except redis.RedisError as exc:
            log.warning("ratelimit.unavailable", error=type(exc).__name__)

    def _done(self, account_id: str) -> None:
        with contextlib.suppress(redis.RedisError):
            self.redis_client.delete(PORTAL_SCHEMA_PENDING_KEY + account_id)
