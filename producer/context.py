"""What the web process and the in-process Python API need, built lazily from settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from broker.parts import ProcessParts
from broker.redis_broker import Broker, build_broker
from core.errors import ConfigurationError
from core.settings import Settings
from hubspot_client.oauth import OAuthClient
from store.api_keys import ApiKeyStore
from store.mcp_sessions import McpSessionStore


@dataclass
class ProducerContext(ProcessParts):
    settings: Settings

    def db_pool_size(self) -> int:
        return 20

    @cached_property
    def broker(self) -> Broker:  # type: ignore[override]
        # The producer only sends; consumers (and their wake-up listener) live in workers.
        return build_broker(self.settings.require_redis_url("web"), wakeups=False)

    @cached_property
    def api_keys(self) -> ApiKeyStore:
        return ApiKeyStore(db=self.db, clock=self.clock)

    @cached_property
    def mcp_sessions(self) -> McpSessionStore:
        return McpSessionStore(db=self.db, clock=self.clock)

    @cached_property
    def oauth(self) -> OAuthClient:
        client = self.oauth_client()
        if client is None:
            raise ConfigurationError(
                "HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET: required to complete an "
                "authorization (`hubspot-actions run` sets them to the local sandbox app)"
            )
        return client

    def close(self) -> None:
        self.close_parts()
