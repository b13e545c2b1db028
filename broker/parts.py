"""The parts every long-lived process builds from settings: stores, vault, schedules, queues.

The web process (``producer.context``) and the worker and scheduler processes
(``worker.runtime``) need the same database-backed stores and the same Redis-backed schedules and
dispatcher; each builds them lazily, once, after any fork. They differ only in how they get their
broker and in what they add on top (the web its API keys, the worker its executor and refresher).
"""

from __future__ import annotations

from functools import cached_property

import redis

from broker.dispatch import Dispatcher
from broker.events import WebhookEvents
from broker.redis_broker import Broker
from broker.schedule import JOB_SCHEDULE, REFRESH_SCHEDULE, WEBHOOK_SCHEDULE, Schedule
from core.clock import SystemClock
from core.settings import Settings
from hubspot_client.oauth import OAuthClient
from schemas.connection import Connection
from store.accounts import AccountStore
from store.db import Database
from store.jobs import JobStore
from store.keyring import Keyring, keyring_from_settings
from store.oauth_states import OAuthStateStore
from store.vault import TokenVault
from store.webhooks import WebhookStore


class ProcessParts:
    """Mixin over a dataclass that provides ``settings`` and ``broker``."""

    settings: Settings
    broker: Broker

    def db_pool_size(self) -> int:
        """Database connections this process may hold at once (without overflow)."""
        return 10

    @cached_property
    def clock(self) -> SystemClock:
        return SystemClock()

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.database_url, pool_size=self.db_pool_size())

    @cached_property
    def redis(self) -> redis.Redis:
        client: redis.Redis = self.broker.client
        return client

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
    def keyring(self) -> Keyring:
        """Token encryption keys, read once: the vault's tokens and the webhook secrets."""
        return keyring_from_settings(self.settings)

    @cached_property
    def vault(self) -> TokenVault:
        return TokenVault(db=self.db, keyring=self.keyring, clock=self.clock)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        return Dispatcher(broker=self.broker)

    @cached_property
    def job_schedule(self) -> Schedule:
        return Schedule(client=self.redis, key=JOB_SCHEDULE)

    @cached_property
    def refresh_schedule(self) -> Schedule:
        return Schedule(client=self.redis, key=REFRESH_SCHEDULE)

    @cached_property
    def webhook_schedule(self) -> Schedule:
        return Schedule(client=self.redis, key=WEBHOOK_SCHEDULE)

    @cached_property
    def webhooks(self) -> WebhookStore:
        return WebhookStore(db=self.db, keyring=self.keyring, clock=self.clock)

    @cached_property
    def events(self) -> WebhookEvents:
        """Webhook emission (``broker.events``): every process reports what it changes."""
        return WebhookEvents(
            store=self.webhooks,
            schedule=self.webhook_schedule,
            redis_client=self.redis,
            jobs=self.jobs,
            accounts=self.accounts,
            connection=self.connection,
            clock=self.clock,
        )

    def oauth_client(self) -> OAuthClient | None:
        """HubSpot's token endpoints with the operator's app; None without app credentials."""
        settings = self.settings
        if not (settings.hubspot_client_id and settings.hubspot_client_secret):
            return None
        return OAuthClient(
            api_base=settings.hubspot_api_base,
            client_id=settings.hubspot_client_id,
            client_secret=settings.hubspot_client_secret,
            connect_timeout=settings.hubspot_connect_timeout_s,
            read_timeout=settings.hubspot_read_timeout_s,
        )

    def close_parts(self) -> None:
        """Release what was built (only what was built: properties are lazy)."""
        oauth = self.__dict__.get("oauth")
        if oauth is not None:
            oauth.close()
        if "db" in self.__dict__:
            self.db.dispose()
