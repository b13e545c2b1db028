"""The token vault: encryption at rest, compare-and-swap, rotation, tamper resistance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from store.accounts import AccountStore
from store.db import Database
from store.errors import CredentialsUnreadable
from store.keyring import Keyring, generate_key_spec
from store.models import tokens
from store.vault import TokenVault

ACCESS = "access-token-value-1234567890"
REFRESH = "na1-aaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def _accounts(db: Database, *names: str) -> list[str]:
    store = AccountStore(db=db)
    return [store.get_or_create(connection_name="hubspot", identifier=n).id for n in names]


def test_tokens_round_trip_and_never_stored_in_plaintext(db: Database) -> None:
    """What is put comes back; the row holds only ciphertext."""
    (acc,) = _accounts(db, "u1")
    vault = TokenVault(db=db, keyring=Keyring.parse(generate_key_spec("k1")))
    expires = datetime.now(UTC) + timedelta(minutes=30)
    with db.write() as conn:
        assert (
            vault.put(conn, account_id=acc, access=ACCESS, refresh=REFRESH, expires_at=expires) == 1
        )
    loaded = vault.load(acc)
    assert loaded is not None
    assert loaded.access_token.get_secret_value() == ACCESS
    assert loaded.refresh_token.get_secret_value() == REFRESH
    assert ACCESS not in repr(loaded)
    assert REFRESH not in repr(loaded)
    with db.read() as conn:
        row = conn.execute(select(tokens)).one()
    assert ACCESS.encode() not in row.access_token_ct
    assert REFRESH.encode() not in row.refresh_token_ct


def test_swap_is_compare_and_swap(db: Database) -> None:
    """A refresh lands only against the version it replaces."""
    (acc,) = _accounts(db, "u1")
    vault = TokenVault(db=db, keyring=Keyring.parse(generate_key_spec()))
    exp = datetime.now(UTC) + timedelta(minutes=30)
    with db.write() as conn:
        vault.put(conn, account_id=acc, access="a1", refresh="r1", expires_at=exp)
    with db.write() as conn:
        assert vault.swap(
            conn, account_id=acc, expected_version=1, access="a2", refresh="r2", expires_at=exp
        )
    with db.write() as conn:
        assert not vault.swap(
            conn, account_id=acc, expected_version=1, access="a3", refresh="r3", expires_at=exp
        )
    loaded = vault.load(acc)
    assert loaded is not None
    assert loaded.version == 2
    assert loaded.access_token.get_secret_value() == "a2"


def test_ciphertext_moved_to_another_account_fails_closed(db: Database) -> None:
    """Copying one account's ciphertext into another's row makes it unreadable, not usable."""
    a, b = _accounts(db, "alice", "bob")
    vault = TokenVault(db=db, keyring=Keyring.parse(generate_key_spec()))
    exp = datetime.now(UTC) + timedelta(minutes=30)
    with db.write() as conn:
        vault.put(
            conn, account_id=a, access="alice-access", refresh="alice-refresh", expires_at=exp
        )
        vault.put(conn, account_id=b, access="bob-access", refresh="bob-refresh", expires_at=exp)
    with db.write() as conn:
        alice = conn.execute(select(tokens).where(tokens.c.account_id == a)).one()
        conn.execute(
            update(tokens)
            .where(tokens.c.account_id == b)
            .values(access_token_ct=alice.access_token_ct, refresh_token_ct=alice.refresh_token_ct)
        )
    with pytest.raises(CredentialsUnreadable) as info:
        vault.load(b)
    assert "alice" not in str(info.value)
    assert vault.load(a) is not None


def test_rotate_reencrypts_under_the_primary_key(db: Database) -> None:
    """After adding a new primary key, rotation re-encrypts every row; the old key can go."""
    (acc,) = _accounts(db, "u1")
    old = generate_key_spec("old")
    exp = datetime.now(UTC) + timedelta(minutes=30)
    with db.write() as conn:
        TokenVault(db=db, keyring=Keyring.parse(old)).put(
            conn, account_id=acc, access="a", refresh="r", expires_at=exp
        )
    new = generate_key_spec("new")
    rotating = TokenVault(db=db, keyring=Keyring.parse(f"{new},{old}"))
    assert rotating.rotate_all() == 1
    assert rotating.rotate_all() == 0
    only_new = TokenVault(db=db, keyring=Keyring.parse(new))
    loaded = only_new.load(acc)
    assert loaded is not None
    assert loaded.access_token.get_secret_value() == "a"
