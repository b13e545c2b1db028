"""OAuth ``state`` values: random, stored hashed, single-use, short-lived, bound to one account.

The state is what ties HubSpot's redirect back to the account that asked for it. Only its hash is
stored, so a database leak cannot be replayed; consumption is one conditional UPDATE, so two
callbacks racing with the same state cannot both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from core.clock import Clock, SystemClock
from core.errors import HubSpotActionsError
from store.db import Database
from store.models import oauth_states

#: How long an authorization link stays usable.
STATE_TTL = timedelta(minutes=10)


class StateRejected(HubSpotActionsError):
    """The callback's state is unknown, expired or already used."""

    code = "invalid_state"
    http_status = 400

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message, reason=reason)
        self.reason = reason


@dataclass(frozen=True)
class ConsumedState:
    account_id: str
    return_url: str | None


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class OAuthStateStore:
    def __init__(self, *, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def issue(self, *, account_id: str, return_url: str | None = None) -> tuple[str, datetime]:
        """A new state for ``account_id``; returns it (plaintext, once) and its expiry."""
        state = secrets.token_urlsafe(32)
        now = self.clock.now()
        expires_at = now + STATE_TTL
        with self.db.write() as conn:
            conn.execute(
                oauth_states.insert().values(
                    state_hash=_hash(state),
                    account_id=account_id,
                    return_url=return_url,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        return state, expires_at

    def consume(self, state: str) -> ConsumedState:
        """Use a state once; ``StateRejected`` says why it cannot be used."""
        digest = _hash(state)
        now = self.clock.now()
        with self.db.write() as conn:
            used = conn.execute(
                update(oauth_states)
                .where(
                    oauth_states.c.state_hash == digest,
                    oauth_states.c.used_at.is_(None),
                    oauth_states.c.expires_at > now,
                )
                .values(used_at=now)
                .returning(oauth_states.c.account_id, oauth_states.c.return_url)
            ).first()
            if used is not None:
                return ConsumedState(account_id=used.account_id, return_url=used.return_url)
            row = conn.execute(
                select(oauth_states.c.used_at, oauth_states.c.expires_at).where(
                    oauth_states.c.state_hash == digest
                )
            ).first()
        if row is None:
            raise StateRejected("unknown authorization state", reason="unknown")
        if row.used_at is not None:
            raise StateRejected("this authorization link was already used", reason="replayed")
        raise StateRejected("this authorization link has expired", reason="expired")

    def purge_expired(self, *, older_than: timedelta = timedelta(days=1)) -> int:
        with self.db.write() as conn:
            return conn.execute(
                delete(oauth_states).where(
                    oauth_states.c.expires_at < self.clock.now() - older_than
                )
            ).rowcount
