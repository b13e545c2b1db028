"""The whole sandbox's state, one object: what ``POST /_sandbox/reset`` throws away.

Handlers receive this object on every request and read its parts from it, so a reset that
rebuilds the parts in place is seen at once by everything, without restarting the server.
``generation`` counts resets, so the persistence layer knows to rewrite its file from scratch.
"""

from __future__ import annotations

import random

from sandbox.clock import Clock
from sandbox.config import SandboxConfig
from sandbox.crm.portal import PortalSchema
from sandbox.crm.records import ObjectStore
from sandbox.faults import Faults
from sandbox.limits import Limits
from sandbox.oauth.registry import Registry
from sandbox.oauth.tokens import TokenBook
from sandbox.stats import Stats

#: Record ids start here and grow across all types and portals, so ids are never ambiguous.
FIRST_RECORD_ID = 10001


class Sandbox:
    """Registry, tokens, CRM data, limits, faults and counters of one running sandbox."""

    def __init__(self, config: SandboxConfig, *, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.generation = 0
        self._build()

    def _build(self) -> None:
        config = self.config
        self.stats = Stats()
        self.registry = Registry(first_hub_id=config.first_hub_id)
        self.tokens = TokenBook(clock=self.clock, config=config, stats=self.stats)
        self.limits = Limits(
            clock=self.clock,
            burst_per_10s=config.burst_per_10s,
            search_per_second=config.search_per_second,
        )
        self.faults = Faults(random.Random(config.seed))  # noqa: S311 - fault rolls, not secrets
        self._stores: dict[tuple[int, str], ObjectStore] = {}
        #: Custom properties and deal pipelines, by hub id (``sandbox.crm.portal``).
        self.schemas: dict[int, PortalSchema] = {}
        #: The id the next record, pipeline or stage of any portal gets.
        self.next_record_id = FIRST_RECORD_ID

    def reset(self) -> None:
        """Forget everything: apps, portals, tokens, records, faults, limits, counters, time."""
        self.clock.offset = 0.0
        self.generation += 1
        self._build()

    def stores(self) -> dict[tuple[int, str], ObjectStore]:
        """Every record store by (hub id, object type), for persistence."""
        return self._stores

    def store(self, hub_id: int, object_type: str) -> ObjectStore:
        """The records of one type in one portal (created empty on first use)."""
        key = (hub_id, object_type)
        store = self._stores.get(key)
        if store is None:
            store = self._stores[key] = ObjectStore(
                object_type, self.new_id, index_delay_ms=self.config.search_index_delay_ms
            )
        return store

    def schema(self, hub_id: int) -> PortalSchema:
        """One portal's custom properties and pipelines (created empty on first use)."""
        schema = self.schemas.get(hub_id)
        if schema is None:
            schema = self.schemas[hub_id] = PortalSchema()
        return schema

    def new_id(self) -> int:
        """A fresh id for a record, pipeline or stage: unique across the whole sandbox."""
        record_id = self.next_record_id
        self.next_record_id += 1
        return record_id
