"""Operator API keys: shown once, stored as SHA-256 hashes, compared in constant time.

Keys are 256-bit random strings, so a plain (unsalted) SHA-256 is the right hash: there is nothing
to brute-force, and the hash can be the lookup key. Verification recomputes the hash and compares
it with ``hmac.compare_digest`` against the stored one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from core.clock import Clock, SystemClock
from core.ids import new_id
from store.db import Database
from store.errors import StoreUnavailable
from store.models import api_keys
from store.sql import insert_ignoring_conflicts

#: ``last_used_at`` is written at most this often per key (verification is on every request's
#: path, cached a few seconds by the web; a write per request would be waste).
LAST_USED_RESOLUTION = timedelta(minutes=1)

#: Every key starts with this, so leaked keys are easy to spot (and to redact from logs).
KEY_PREFIX = "hak_"


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class ApiKeyStore:
    def __init__(self, *, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def create(self, *, name: str, plaintext: str | None = None) -> tuple[ApiKeyRecord, str]:
        """Create a key; the plaintext is returned here and nowhere else, ever."""
        key = plaintext or generate_key()
        record = ApiKeyRecord(
            id=new_id("key"),
            name=name,
            prefix=key[:12],
            created_at=self.clock.now(),
            last_used_at=None,
            revoked_at=None,
        )
        with self.db.write() as conn:
            insert_ignoring_conflicts(
                conn,
                api_keys,
                {
                    "id": record.id,
                    "name": name,
                    "key_hash": hash_key(key),
                    "prefix": record.prefix,
                    "created_at": record.created_at,
                },
            )
        return record, key

    def ensure(self, *, name: str, plaintext: str) -> None:
        """Make ``plaintext`` a valid key (the bootstrap key): idempotent, un-revokes nothing."""
        self.create(name=name, plaintext=plaintext)

    def verify(self, plaintext: str) -> ApiKeyRecord | None:
        """The active key matching ``plaintext``, or None; notes when it was last used."""
        digest = hash_key(plaintext)
        with self.db.read() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_hash == digest)).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.key_hash, digest):
            return None
        record = _record(row)
        now = self.clock.now()
        if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
            self._note_use(record.id, now)
        return record

    def list(self) -> list[ApiKeyRecord]:
        with self.db.read() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at)).all()
        return [_record(r) for r in rows]

    def revoke(self, key_id: str) -> bool:
        with self.db.write() as conn:
            return (
                conn.execute(
                    update(api_keys)
                    .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                    .values(revoked_at=self.clock.now())
                ).rowcount
                == 1
            )

    def _note_use(self, key_id: str, now: datetime) -> None:
        """Best effort: a database too busy to note the time must not refuse a valid key."""
        try:
            with self.db.write() as conn:
                conn.execute(
                    update(api_keys)
                    .where(
                        api_keys.c.id == key_id,
                        or_(
                            api_keys.c.last_used_at.is_(None),
                            api_keys.c.last_used_at < now - LAST_USED_RESOLUTION,
                        ),
                    )
                    .values(last_used_at=now)
                )
        except StoreUnavailable:
            pass


def _record(row: object) -> ApiKeyRecord:
    m = row._mapping  # type: ignore[attr-defined]
    return ApiKeyRecord(
        id=m["id"],
        name=m["name"],
        prefix=m["prefix"],
        created_at=m["created_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
    )
