"""The submission path reuses a portal's parsed schema until a new copy is fetched."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from producer.portal import PortalSchemas
from schemas.portal import PortalSchema
from store.accounts import AccountRecord
from store.db import Database
from store.portal_schemas import PortalSchemaStore
from tests.portal.portal_data import custom_document

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
HUB = 7001


@dataclass
class _Clock:
    at: datetime = NOW

    def now(self) -> datetime:
        return self.at


@dataclass
class _Settings:
    portal_schema_ttl_seconds: int = 3600


@dataclass
class _Dispatcher:
    asked: list[str] = field(default_factory=list)

    def enqueue_portal_schema(self, account_id: str) -> bool:
        self.asked.append(account_id)
        return True


@dataclass
class _Ctx:
    db: Database
    clock: _Clock = field(default_factory=_Clock)
    settings: _Settings = field(default_factory=_Settings)
    dispatcher: _Dispatcher = field(default_factory=_Dispatcher)


def test_the_parsed_schema_is_reused_until_a_new_fetch(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two checks against one copy parse it once; a new fetch (new fetched_at) is parsed and
    used at once; a stale copy checks nothing and asks for a refetch."""
    ctx = _Ctx(db=db)
    store = PortalSchemaStore(db=db)
    store.put(HUB, custom_document(), fetched_at=NOW - timedelta(minutes=1))
    parsed: list[dict[str, Any]] = []
    original = PortalSchema.from_document

    def counting(document: dict[str, Any]) -> PortalSchema | None:
        parsed.append(document)
        return original(document)

    monkeypatch.setattr(PortalSchema, "from_document", staticmethod(counting))
    schemas = PortalSchemas(ctx)  # type: ignore[arg-type]
    account: AccountRecord = SimpleNamespace(id="acc_1", hub_id=HUB)  # type: ignore[assignment]
    first = schemas.for_checks(account)
    assert first is not None
    assert schemas.for_checks(account) is first
    assert len(parsed) == 1

    store.put(HUB, custom_document(), fetched_at=NOW)
    second = schemas.for_checks(account)
    assert second is not None
    assert second is not first
    assert len(parsed) == 2
    assert ctx.dispatcher.asked == []

    ctx.clock.at = NOW + timedelta(hours=1)
    assert schemas.for_checks(account) is None
    assert ctx.dispatcher.asked == ["acc_1"]
