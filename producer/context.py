"""What the web process and the in-process Python API need, built lazily from settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import redis

from core.clock import SystemClock
from core.errors import ConfigurationError
from core.settings import Settings
from schemas.connection import Connection
from store.accounts import AccountStore
from store.api_keys import ApiKeyStore
from store.db import Database
from store.jobs import JobStore
from store.keyring import keyring_from_settings
from store.oauth_states import OAuthStateStore
from store.vault import TokenVault
from worker.broker import Broker, build_broker
from worker.dispatch import Dispatcher
from worker.hubspot.oauth import OAuthClient
from worker.schedule import JOB_SCHEDULE, REFRESH_SCHEDULE, Schedule


@dataclass
class ProducerContext:
    settings: Settings

    @cached_property
    def clock(self) -> SystemClock:
        return SystemClock()

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.database_url, pool_size=20)

    @cached_property
    def broker(self) -> Broker:
        # The producer only sends; consumers (and their wake-up listener) live in workers.
        return build_broker(self.settings.require_redis_url("web"), wakeups=False)

    @cached_property
    def redis(self) -> redis.Redis:
        client: redis.Redis = self.broker.client
        return client

    @cached_property
    def dispatcher(self) -> Dispatcher:
        return Dispatcher(broker=self.broker)

    @cached_property
    def connection(self) -> Connection:
        return Connection.from_settings(self.settings)

    @cached_property
    def accounts(self) -> AccountStore:
        return AccountStore(db=self.db, clock=self.clock)

    @cached_property
    def jobs(self) -> JobStore:
        return JobStore(db=self.db, clock=self.clock)

    @cached_property
    def states(self) -> OAuthStateStore:
        return OAuthStateStore(db=self.db, clock=self.clock)

    @cached_property
    def api_keys(self) -> ApiKeyStore:
        return ApiKeyStore(db=self.db, clock=self.clock)

    @cached_property
    def vault(self) -> TokenVault:
        keyring = keyring_from_settings(self.settings)
        return TokenVault(db=self.db, keyring=keyring, clock=self.clock)

    @cached_property
    def oauth(self) -> OAuthClient:
        if not (self.settings.hubspot_client_id and self.settings.hubspot_client_secret):
            raise ConfigurationError(
                "HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET: required to complete an "
                "authorization (`hubspot-actions run` sets them to the local sandbox app)"
            )
        return OAuthClient(
            api_base=self.settings.hubspot_api_base,
            client_id=self.settings.hubspot_client_id,
            client_secret=self.settings.hubspot_client_secret,
            connect_timeout=self.settings.hubspot_connect_timeout_s,
            read_timeout=self.settings.hubspot_read_timeout_s,
        )

    @cached_property
    def job_schedule(self) -> Schedule:
        return Schedule(client=self.redis, key=JOB_SCHEDULE)

    @cached_property
    def refresh_schedule(self) -> Schedule:
        return Schedule(client=self.redis, key=REFRESH_SCHEDULE)

    def close(self) -> None:
        for name in ("oauth",):
            if name in self.__dict__:
                self.__dict__[name].close()
        if "db" in self.__dict__:
            self.db.dispose()
