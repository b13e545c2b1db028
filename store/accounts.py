"""Connected accounts: get-or-create, lookups, listing and status changes (DESIGN.md s4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, select, update

from core.clock import Clock, SystemClock
from core.ids import new_id
from schemas.accounts import AccountStatus
from store.db import Database
from store.models import accounts, tokens
from store.sql import insert_ignoring_conflicts, row_by_id


@dataclass(frozen=True)
class AccountRecord:
    id: str
    connection_name: str
    identifier: str
    status: AccountStatus
    status_reason: str | None
    hub_id: int | None
    granted_scopes: tuple[str, ...]
    token_expires_at: datetime | None
    last_refreshed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row[tuple[object, ...]]) -> AccountRecord:
        m = row._mapping
        return cls(
            id=m["id"],
            connection_name=m["connection_name"],
            identifier=m["identifier"],
            status=AccountStatus(m["status"]),
            status_reason=m["status_reason"],
            hub_id=m["hub_id"],
            granted_scopes=tuple(m["granted_scopes"] or ()),
            token_expires_at=m["token_expires_at"],
            last_refreshed_at=m["last_refreshed_at"],
            created_at=m["created_at"],
            updated_at=m["updated_at"],
        )


class AccountStore:
    def __init__(self, *, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def get_or_create(self, *, connection_name: str, identifier: str) -> AccountRecord:
        """Atomic across processes: concurrent callers all get the one row that won the insert."""
        return self.get_or_create_flagged(connection_name=connection_name, identifier=identifier)[0]

    def get_or_create_flagged(
        self, *, connection_name: str, identifier: str
    ) -> tuple[AccountRecord, bool]:
        """``get_or_create``, and whether this call created the row (exactly one caller does)."""
        now = self.clock.now()
        with self.db.write() as conn:
            created = insert_ignoring_conflicts(
                conn,
                accounts,
                {
                    "id": new_id("acc"),
                    "connection_name": connection_name,
                    "identifier": identifier,
                    "status": AccountStatus.PENDING.value,
                    "status_reason": None,
                    "granted_scopes": [],
                    "created_at": now,
                    "updated_at": now,
                },
            )
            record = self._get(conn, connection_name, identifier)
        assert record is not None
        return record, created

    def get(self, *, connection_name: str, identifier: str) -> AccountRecord | None:
        with self.db.read() as conn:
            return self._get(conn, connection_name, identifier)

    @staticmethod
    def _get(conn: Connection, connection_name: str, identifier: str) -> AccountRecord | None:
        row = conn.execute(
            select(accounts).where(
                accounts.c.connection_name == connection_name,
                accounts.c.identifier == identifier,
            )
        ).first()
        return None if row is None else AccountRecord.from_row(row)

    def get_by_id(self, account_id: str, conn: Connection | None = None) -> AccountRecord | None:
        if conn is not None:
            row = row_by_id(conn, accounts, account_id)
            return None if row is None else AccountRecord.from_row(row)
        with self.db.read() as own:
            return self.get_by_id(account_id, own)

    def list_page(
        self,
        *,
        connection_name: str | None = None,
        status: AccountStatus | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> tuple[list[AccountRecord], str | None]:
        """One page in id (creation) order; the second item is the cursor of the next page."""
        stmt = select(accounts).order_by(accounts.c.id).limit(limit + 1)
        if connection_name:
            stmt = stmt.where(accounts.c.connection_name == connection_name)
        if status:
            stmt = stmt.where(accounts.c.status == status.value)
        if after:
            stmt = stmt.where(accounts.c.id > after)
        with self.db.read() as conn:
            rows = [AccountRecord.from_row(r) for r in conn.execute(stmt)]
        next_after = rows[limit - 1].id if len(rows) > limit else None
        return rows[:limit], next_after

    def ids_with_status(
        self, statuses: tuple[AccountStatus, ...], *, after: str | None, limit: int
    ) -> list[str]:
        """Account ids in the given statuses, paged by id (for the sweep)."""
        stmt = (
            select(accounts.c.id)
            .where(accounts.c.status.in_([s.value for s in statuses]))
            .order_by(accounts.c.id)
            .limit(limit)
        )
        if after:
            stmt = stmt.where(accounts.c.id > after)
        with self.db.read() as conn:
            return list(conn.execute(stmt).scalars())

    def activate(
        self,
        conn: Connection,
        *,
        account_id: str,
        hub_id: int | None,
        granted_scopes: tuple[str, ...],
        token_expires_at: datetime,
        pending_verification: str | None = None,
    ) -> None:
        """A new authorization landed: whatever the account was, it is ACTIVE again.

        With ``pending_verification`` (the reason to show) it is PENDING_VERIFICATION instead:
        the grant is recorded, but no job runs until the operator verifies the user.
        """
        now = self.clock.now()
        waits = pending_verification is not None
        status = AccountStatus.PENDING_VERIFICATION if waits else AccountStatus.ACTIVE
        conn.execute(
            update(accounts)
            .where(accounts.c.id == account_id)
            .values(
                status=status.value,
                status_reason=pending_verification,
                hub_id=hub_id,
                granted_scopes=list(granted_scopes),
                token_expires_at=token_expires_at,
                last_refreshed_at=now,
                updated_at=now,
            )
        )

    def record_refresh(
        self,
        conn: Connection,
        *,
        account_id: str,
        token_expires_at: datetime,
        granted_scopes: tuple[str, ...] | None,
    ) -> AccountStatus | None:
        """A refresh landed: an EXPIRED account is ACTIVE again (any other status stays, so a
        PENDING_VERIFICATION account is never made ACTIVE by its refresher).

        Returns the status the account had (ACTIVE or EXPIRED; None when it was neither), so the
        caller can report an EXPIRED -> ACTIVE change. ACTIVE is tried first: the common case
        stays one statement.
        """
        now = self.clock.now()
        values: dict[str, object] = {
            "token_expires_at": token_expires_at,
            "last_refreshed_at": now,
            "updated_at": now,
            "status": AccountStatus.ACTIVE.value,
            "status_reason": None,
        }
        if granted_scopes:
            values["granted_scopes"] = list(granted_scopes)
        for previous in (AccountStatus.ACTIVE, AccountStatus.EXPIRED):
            changed = conn.execute(
                update(accounts)
                .where(accounts.c.id == account_id, accounts.c.status == previous.value)
                .values(**values)
            ).rowcount
            if changed == 1:
                return previous
        return None

    def set_status(
        self,
        conn: Connection,
        *,
        account_id: str,
        status: AccountStatus,
        reason: str | None,
        only_from: tuple[AccountStatus, ...] | None = None,
        clear_tokens: bool = False,
    ) -> bool:
        """Move an account to ``status``; ``only_from`` guards against overtaking a newer change."""
        values: dict[str, object] = {
            "status": status.value,
            "status_reason": reason,
            "updated_at": self.clock.now(),
        }
        if clear_tokens:
            values["token_expires_at"] = None
        stmt = update(accounts).where(accounts.c.id == account_id).values(**values)
        if only_from is not None:
            stmt = stmt.where(accounts.c.status.in_([s.value for s in only_from]))
        return conn.execute(stmt).rowcount == 1

    # -- token refresh (worker.refresh, the scheduler's refresh hook and sweep) ---------------

    def refresh_targets(self, account_ids: list[str]) -> dict[str, RefreshTarget]:
        """Status and current token version/expiry of each account (one query; unknown ids and
        accounts without tokens are left out): what a refresh needs to decide, without
        decrypting anything."""
        if not account_ids:
            return {}
        stmt = (
            select(accounts.c.id, accounts.c.status, tokens.c.version, tokens.c.expires_at)
            .join(tokens, tokens.c.account_id == accounts.c.id)
            .where(accounts.c.id.in_(account_ids))
        )
        with self.db.read() as conn:
            return {
                row.id: RefreshTarget(
                    account_id=row.id,
                    status=AccountStatus(row.status),
                    version=row.version,
                    expires_at=row.expires_at,
                )
                for row in conn.execute(stmt)
            }

    def revoke_if_current(
        self, conn: Connection, *, account_id: str, token_version: int, reason: str
    ) -> bool:
        """ACTIVE/EXPIRED -> REVOKED, but only while ``token_version`` is still the stored one.

        A refresh token rejected for version N says nothing about version N+1: a new
        authorization that landed meanwhile must not be marked revoked by a stale rejection.
        """
        still_current = (
            select(tokens.c.account_id)
            .where(tokens.c.account_id == account_id, tokens.c.version == token_version)
            .exists()
        )
        stmt = (
            update(accounts)
            .where(
                accounts.c.id == account_id,
                accounts.c.status.in_([AccountStatus.ACTIVE.value, AccountStatus.EXPIRED.value]),
                still_current,
            )
            .values(
                status=AccountStatus.REVOKED.value,
                status_reason=reason,
                updated_at=self.clock.now(),
            )
        )
        return conn.execute(stmt).rowcount == 1


@dataclass(frozen=True)
class RefreshTarget:
    """An account as a token refresh sees it: may it run, and which token does it hold."""

    account_id: str
    status: AccountStatus
    version: int
    expires_at: datetime
