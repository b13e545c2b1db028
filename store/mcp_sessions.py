"""MCP session tokens (DESIGN section 15): shown once, stored as SHA-256 hashes, short-lived.

Like API keys (``store.api_keys``), a token is 256 random bits, so an unsalted SHA-256 is the
right hash and doubles as the lookup key. Unlike an API key, a token acts for one identifier and
an allow-list of tools, and stops working at ``expires_at``: verification compares it with the
injected clock, so tests can travel in time.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from core.clock import Clock, SystemClock
from core.ids import new_id
from store.api_keys import hash_key
from store.db import Database
from store.models import mcp_sessions

#: Every token starts with this, so a leaked one is easy to spot (and to redact from logs).
TOKEN_PREFIX = "hmcp_"  # noqa: S105 - a public marker, not a secret


@dataclass(frozen=True)
class McpSessionRecord:
    id: str
    connection_name: str
    identifier: str
    #: None: every tool of the catalog; else only these.
    tool_names: tuple[str, ...] | None
    created_at: datetime
    expires_at: datetime


class McpSessionStore:
    def __init__(self, *, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def create(
        self,
        *,
        connection_name: str,
        identifier: str,
        tool_names: tuple[str, ...] | None,
        ttl: timedelta,
    ) -> tuple[McpSessionRecord, str]:
        """A new token; the plaintext is returned here and nowhere else, ever."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now()
        record = McpSessionRecord(
            id=new_id("mcp"),
            connection_name=connection_name,
            identifier=identifier,
            tool_names=tool_names,
            created_at=now,
            expires_at=now + ttl,
        )
        with self.db.write() as conn:
            conn.execute(
                mcp_sessions.insert().values(
                    id=record.id,
                    token_hash=hash_key(token),
                    connection_name=connection_name,
                    identifier=identifier,
                    tool_names=list(tool_names) if tool_names is not None else None,
                    created_at=now,
                    expires_at=record.expires_at,
                )
            )
        return record, token

    def verify(self, token: str) -> McpSessionRecord | None:
        """The unexpired session of ``token``, or None (unknown and expired look the same)."""
        digest = hash_key(token)
        with self.db.read() as conn:
            row = conn.execute(
                select(mcp_sessions).where(mcp_sessions.c.token_hash == digest)
            ).first()
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        if row.expires_at <= self.clock.now():
            return None
        names = row.tool_names
        return McpSessionRecord(
            id=row.id,
            connection_name=row.connection_name,
            identifier=row.identifier,
            tool_names=tuple(names) if names is not None else None,
            created_at=row.created_at,
            expires_at=row.expires_at,
        )

    def purge_expired(self) -> int:
        """Delete sessions that expired; how many (a sweep may call it, nothing depends on it)."""
        with self.db.write() as conn:
            result = conn.execute(
                delete(mcp_sessions).where(mcp_sessions.c.expires_at <= self.clock.now())
            )
        return int(result.rowcount or 0)
