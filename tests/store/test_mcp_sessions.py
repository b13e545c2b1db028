"""MCP session tokens: stored hashed, verified with their grant, refused from expires_at on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from store.db import Database
from store.mcp_sessions import McpSessionStore
from store.models import mcp_sessions
from tests.support.clock import FakeClock


def test_tokens_are_hashed_and_carry_their_grant(db: Database) -> None:
    """The plaintext is returned once and stored as a 64-hex hash; verify gives the grant back."""
    store = McpSessionStore(db=db)
    record, token = store.create(
        connection_name="hubspot",
        identifier="user_1",
        tool_names=("hubspot_contact_get",),
        ttl=timedelta(minutes=5),
    )
    with db.read() as conn:
        row = conn.execute(select(mcp_sessions)).one()
    assert token.startswith("hmcp_")
    assert token not in (row.token_hash, row.id)
    assert len(row.token_hash) == 64
    verified = store.verify(token)
    assert verified == record
    assert verified.tool_names == ("hubspot_contact_get",)
    assert store.verify(token + "x") is None


def test_tokens_expire_exactly_at_expires_at(db: Database) -> None:
    """Valid a microsecond before expires_at, refused at it; purge deletes only expired rows."""
    clock = FakeClock()
    store = McpSessionStore(db=db, clock=clock)
    _, token = store.create(
        connection_name="hubspot", identifier="user_2", tool_names=None, ttl=timedelta(seconds=60)
    )
    _, later = store.create(
        connection_name="hubspot", identifier="user_3", tool_names=None, ttl=timedelta(hours=1)
    )
    clock.current += timedelta(seconds=60) - timedelta(microseconds=1)
    verified = store.verify(token)
    assert verified is not None
    assert verified.tool_names is None
    clock.current += timedelta(microseconds=1)
    assert store.verify(token) is None
    assert store.purge_expired() == 1
    assert store.verify(later) is not None
