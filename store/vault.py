"""The token vault: encrypted access and refresh tokens per account, versioned for single-flight.

Every store bumps ``version``. A refresh names the version it replaces and only lands if that is
still the current one (compare-and-swap), so two processes refreshing the same account at once
cannot both win, and a slow, stale refresh can never overwrite a newer token.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr
from sqlalchemy import Connection, delete, func, insert, select, update

from core.clock import Clock, SystemClock
from core.logging import get_logger
from store.db import Database
from store.errors import CredentialsUnreadable
from store.keyring import Keyring
from store.models import tokens

log = get_logger(__name__)

#: How often rotation retries a row that keeps being rewritten under it before moving on.
_ROTATE_ATTEMPTS = 5


@dataclass(frozen=True)
class TokenSet:
    """Decrypted tokens; ``SecretStr`` keeps them out of reprs and logs."""

    account_id: str
    version: int
    access_token: SecretStr
    refresh_token: SecretStr
    expires_at: datetime


@dataclass(frozen=True)
class TokenMeta:
    """What can be known about an account's tokens without decrypting them."""

    account_id: str
    version: int
    expires_at: datetime


@dataclass(frozen=True)
class RotationReport:
    """What ``keys rotate`` did: rows rewritten, rows that do not decrypt, and per-key counts
    afterwards (every row under the primary key means the other keys can be removed)."""

    rotated: int
    unreadable: tuple[str, ...]
    key_usage: dict[str, int]

    def retired(self, primary_id: str) -> bool:
        """True when no token is encrypted under a key other than ``primary_id``."""
        return all(key_id == primary_id for key_id in self.key_usage)


class TokenVault:
    def __init__(self, *, db: Database, keyring: Keyring, clock: Clock | None = None) -> None:
        self.db = db
        self.keyring = keyring
        self.clock = clock or SystemClock()

    def _seal(self, account_id: str, access: str, refresh: str) -> dict[str, object]:
        key_id, access_ct = self.keyring.encrypt(
            access, account_id=account_id, field="access_token"
        )
        key_id2, refresh_ct = self.keyring.encrypt(
            refresh, account_id=account_id, field="refresh_token"
        )
        assert key_id == key_id2
        return {"key_id": key_id, "access_token_ct": access_ct, "refresh_token_ct": refresh_ct}

    def put(
        self, conn: Connection, *, account_id: str, access: str, refresh: str, expires_at: datetime
    ) -> int:
        """Store a fresh grant (authorization), whatever was there; returns the new version."""
        now = self.clock.now()
        sealed = self._seal(account_id, access, refresh)
        current = conn.execute(
            select(tokens.c.version).where(tokens.c.account_id == account_id)
        ).scalar_one_or_none()
        if not isinstance(current, int):
            conn.execute(
                insert(tokens).values(
                    account_id=account_id,
                    version=1,
                    expires_at=expires_at,
                    updated_at=now,
                    **sealed,
                )
            )
            return 1
        conn.execute(
            update(tokens)
            .where(tokens.c.account_id == account_id)
            .values(version=current + 1, expires_at=expires_at, updated_at=now, **sealed)
        )
        return current + 1

    def swap(
        self,
        conn: Connection,
        *,
        account_id: str,
        expected_version: int,
        access: str,
        refresh: str,
        expires_at: datetime,
    ) -> bool:
        """Replace version ``expected_version`` with a refreshed grant; False if it moved on."""
        sealed = self._seal(account_id, access, refresh)
        result = conn.execute(
            update(tokens)
            .where(tokens.c.account_id == account_id, tokens.c.version == expected_version)
            .values(
                version=expected_version + 1,
                expires_at=expires_at,
                updated_at=self.clock.now(),
                **sealed,
            )
        )
        return result.rowcount == 1

    def load(self, account_id: str, conn: Connection | None = None) -> TokenSet | None:
        """Decrypt the current tokens (``CredentialsUnreadable`` if they do not decrypt);
        ``conn``: within that transaction (a job's claim) rather than one of its own."""
        with self.db.read() if conn is None else nullcontext(conn) as within:
            row = within.execute(select(tokens).where(tokens.c.account_id == account_id)).first()
        if row is None:
            return None
        access = self.keyring.decrypt(
            row.access_token_ct, key_id=row.key_id, account_id=account_id, field="access_token"
        )
        refresh = self.keyring.decrypt(
            row.refresh_token_ct, key_id=row.key_id, account_id=account_id, field="refresh_token"
        )
        return TokenSet(
            account_id=account_id,
            version=row.version,
            access_token=SecretStr(access),
            refresh_token=SecretStr(refresh),
            expires_at=row.expires_at,
        )

    def meta(self, account_id: str) -> TokenMeta | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(tokens.c.version, tokens.c.expires_at).where(
                    tokens.c.account_id == account_id
                )
            ).first()
        return None if row is None else TokenMeta(account_id, row.version, row.expires_at)

    def wipe(self, conn: Connection, *, account_id: str) -> None:
        conn.execute(delete(tokens).where(tokens.c.account_id == account_id))

    def rotate_all(self, *, batch_size: int = 200) -> int:
        """Re-encrypt every token not under the primary key; the number of rows rewritten."""
        return self.rotate(batch_size=batch_size).rotated

    def rotate(self, *, batch_size: int = 200) -> RotationReport:
        """Re-encrypt every token not under the primary key; safe while the system runs.

        Rows are walked in account-id order with a cursor, so a row that cannot be rotated
        (its ciphertext does not decrypt under any key of the ring) is reported and skipped
        rather than retried forever. Each row is rewritten with a compare-and-swap on its
        version and key id, without bumping the version: a refresh in flight still lands, and a
        row refreshed meanwhile was written under the writer's own primary key.
        """
        rotated = 0
        unreadable: list[str] = []
        after = ""
        while True:
            with self.db.read() as conn:
                page = list(
                    conn.execute(
                        select(tokens.c.account_id)
                        .where(
                            tokens.c.key_id != self.keyring.primary_id,
                            tokens.c.account_id > after,
                        )
                        .order_by(tokens.c.account_id)
                        .limit(batch_size)
                    ).scalars()
                )
            if not page:
                break
            for account_id in page:
                try:
                    rotated += self._rotate_one(account_id)
                except CredentialsUnreadable:
                    log.warning("vault.rotate_unreadable", account_id=account_id)
                    unreadable.append(account_id)
            after = page[-1]
        return RotationReport(
            rotated=rotated, unreadable=tuple(unreadable), key_usage=self.key_usage()
        )

    def _rotate_one(self, account_id: str) -> int:
        for _ in range(_ROTATE_ATTEMPTS):
            with self.db.read() as conn:
                row = conn.execute(select(tokens).where(tokens.c.account_id == account_id)).first()
            if row is None or row.key_id == self.keyring.primary_id:
                return 0
            sealed = self._seal(
                account_id,
                self.keyring.decrypt(
                    row.access_token_ct,
                    key_id=row.key_id,
                    account_id=account_id,
                    field="access_token",
                ),
                self.keyring.decrypt(
                    row.refresh_token_ct,
                    key_id=row.key_id,
                    account_id=account_id,
                    field="refresh_token",
                ),
            )
            with self.db.write() as conn:
                landed = conn.execute(
                    update(tokens)
                    .where(
                        tokens.c.account_id == account_id,
                        tokens.c.version == row.version,
                        tokens.c.key_id == row.key_id,
                    )
                    .values(**sealed)
                ).rowcount
            if landed == 1:
                return 1
        return 0  # rewritten meanwhile, again and again: the report's key usage shows it

    def key_usage(self) -> dict[str, int]:
        """How many accounts' tokens each key id encrypts (a key is retired once it has none)."""
        with self.db.read() as conn:
            rows = conn.execute(
                select(tokens.c.key_id, func.count()).group_by(tokens.c.key_id)
            ).all()
        return {key_id: int(count) for key_id, count in rows}
