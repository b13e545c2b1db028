"""API keys (hashed, revocable) and OAuth states (hashed, single-use, expiring)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from store.accounts import AccountStore
from store.api_keys import ApiKeyStore
from store.db import Database
from store.models import api_keys, oauth_states
from store.oauth_states import OAuthStateStore, StateRejected
from tests.support.clock import FakeClock


def test_api_keys_are_hashed_verified_and_revocable(db: Database) -> None:
    """The plaintext is returned once, stored hashed, verified, and refused after revocation."""
    keys = ApiKeyStore(db=db)
    record, plaintext = keys.create(name="ci")
    assert plaintext.startswith("hak_")
    with db.read() as conn:
        row = conn.execute(select(api_keys)).one()
    assert plaintext not in (row.key_hash, row.prefix)
    assert len(row.key_hash) == 64
    assert keys.verify(plaintext) is not None
    assert keys.verify(plaintext + "x") is None
    assert keys.revoke(record.id)
    assert keys.verify(plaintext) is None


def test_state_is_single_use(db: Database) -> None:
    """A state works once; the second use is a replay."""
    acc = AccountStore(db=db).get_or_create(connection_name="hubspot", identifier="u").id
    states = OAuthStateStore(db=db)
    state, _ = states.issue(account_id=acc)
    with db.read() as conn:
        stored = conn.execute(select(oauth_states.c.state_hash)).scalar_one()
    assert stored != state
    assert states.consume(state).account_id == acc
    with pytest.raises(StateRejected) as info:
        states.consume(state)
    assert info.value.reason == "replayed"


def test_state_expires_and_unknown_is_rejected(db: Database) -> None:
    """A state older than ten minutes is expired; a made-up one is unknown."""
    acc = AccountStore(db=db).get_or_create(connection_name="hubspot", identifier="u").id
    clock = FakeClock()
    states = OAuthStateStore(db=db, clock=clock)
    state, expires = states.issue(account_id=acc)
    assert expires - clock.current == timedelta(minutes=10)
    clock.current += timedelta(minutes=11)
    with pytest.raises(StateRejected) as info:
        states.consume(state)
    assert info.value.reason == "expired"
    with pytest.raises(StateRejected) as unknown:
        states.consume("made-up")
    assert unknown.value.reason == "unknown"
