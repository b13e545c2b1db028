"""Connected accounts in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from schemas.accounts import AccountStatus
from store.accounts import AccountStore
from store.db import Database


def test_get_or_create_returns_the_same_account(db: Database) -> None:
    """A second call for the same key returns the account the first one created."""
    store = AccountStore(db=db)
    first = store.get_or_create(connection_name="hubspot", identifier="user_1")
    second = store.get_or_create(connection_name="hubspot", identifier="user_1")
    assert first.id == second.id
    assert first.status is AccountStatus.PENDING


def test_get_or_create_is_atomic_under_concurrency(db: Database) -> None:
    """Sixteen threads racing on one key all get one account, and none fails."""
    store = AccountStore(db=db)
    ids: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(16)

    def create() -> None:
        try:
            barrier.wait()
            ids.append(store.get_or_create(connection_name="hubspot", identifier="race").id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(ids)) == 1


def test_activate_and_status_changes(db: Database) -> None:
    """Activation sets ACTIVE with the grant; a guarded status change respects ``only_from``."""
    store = AccountStore(db=db)
    acc = store.get_or_create(connection_name="hubspot", identifier="u")
    expires = datetime.now(UTC) + timedelta(minutes=30)
    with db.write() as conn:
        store.activate(
            conn,
            account_id=acc.id,
            hub_id=42,
            granted_scopes=("oauth", "x"),
            token_expires_at=expires,
        )
    got = store.get_by_id(acc.id)
    assert got is not None
    assert got.status is AccountStatus.ACTIVE
    assert got.hub_id == 42
    assert got.granted_scopes == ("oauth", "x")
    assert got.token_expires_at is not None
    assert abs((got.token_expires_at - expires).total_seconds()) < 0.01
    with db.write() as conn:
        moved = store.set_status(
            conn,
            account_id=acc.id,
            status=AccountStatus.EXPIRED,
            reason="refresh failing",
            only_from=(AccountStatus.REVOKED,),
        )
    assert not moved
    assert store.get_by_id(acc.id).status is AccountStatus.ACTIVE  # type: ignore[union-attr]


def test_list_is_paginated_and_filtered(db: Database) -> None:
    """Listing pages by cursor in creation order and filters by status."""
    store = AccountStore(db=db)
    for i in range(5):
        store.get_or_create(connection_name="hubspot", identifier=f"user_{i}")
    page, cursor = store.list_page(limit=2)
    assert [a.identifier for a in page] == ["user_0", "user_1"]
    assert cursor is not None
    page2, cursor2 = store.list_page(limit=2, after=cursor)
    assert [a.identifier for a in page2] == ["user_2", "user_3"]
    page3, cursor3 = store.list_page(limit=2, after=cursor2)
    assert [a.identifier for a in page3] == ["user_4"]
    assert cursor3 is None
    active, _ = store.list_page(status=AccountStatus.ACTIVE)
    assert active == []
