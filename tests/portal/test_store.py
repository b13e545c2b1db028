"""The portal schema cache table on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store.db import Database
from store.portal_schemas import PortalSchemaStore
from tests.portal.portal_data import custom_document


def test_put_replaces_the_copy_and_dates_it(db: Database) -> None:
    """A second fetch replaces the document whole; fetched_at is the latest."""
    store = PortalSchemaStore(db=db)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    store.put(501, {"version": 1, "properties": {}}, fetched_at=first)
    store.put(501, custom_document(), fetched_at=first + timedelta(hours=2))
    record = store.get(501)
    assert record is not None
    assert record.document == custom_document()
    assert record.fetched_at == first + timedelta(hours=2)
    assert record.is_fresh(first + timedelta(hours=2, minutes=59), 3600)
    assert not record.is_fresh(first + timedelta(hours=3), 3600)
    assert store.get(502) is None
    store.delete(501)
    assert store.get(501) is None
