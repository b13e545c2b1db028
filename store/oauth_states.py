"""OAuth ``state`` values: random, stored hashed, single-use, short-lived, bound to one account.

The state is what ties HubSpot's redirect back to the account that asked for it. Only its hash is
stored, so a database leak cannot be replayed; consumption is one conditional UPDATE, so two
callbacks racing with the same state cannot both succeed.

A state reads ``<nonce>.<tag>``: the tag is derived from the nonce and the account it was issued
for, so the binding lives in the state itself as well as in its row. A row that points at another
account than the one the state was made for (a bug, a restore that mixed rows, a hand edit) is
refused instead of connecting the wrong user's HubSpot portal. Changing either part of the state
changes its hash, so a tampered state is simply unknown.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update

from core.clock import Clock, SystemClock
from core.errors import HubSpotActionsError
from store.db import Database
from store.models import oauth_states

#: How long an authorization link stays usable.
STATE_TTL = timedelta(minutes=10)
#: Random bytes in a state's nonce (256 bits: unguessable, so a plain hash is the right store).
NONCE_BYTES = 32


class StateRejected(HubSpotActionsError):
    """The callback's state is unknown, expired, already used, or bound to another account.

    ``reason`` is one of ``unknown``, ``expired``, ``replayed``, ``wrong_account``.
    """

    code = "invalid_state"
    http_status = 400

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message, reason=reason)
        self.reason = reason


@dataclass(frozen=True)
class ConsumedState:
    account_id: str
    return_url: str | None


def state_hash(state: str) -> str:
    """What is stored for a state (and how a test finds its row)."""
    return hashlib.sha256(state.encode()).hexdigest()


def _tag(account_id: str, nonce: str) -> str:
    digest = hashlib.sha256(f"hubspot-actions/state/v1|{account_id}|{nonce}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def _bound_to(state: str, account_id: str) -> bool:
    nonce, sep, tag = state.rpartition(".")
    return bool(sep) and hmac.compare_digest(tag, _tag(account_id, nonce))


class OAuthStateStore:
    def __init__(self, *, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def issue(self, *, account_id: str, return_url: str | None = None) -> tuple[str, datetime]:
        """A new state for ``account_id``; returns it (plaintext, once) and its expiry."""
        nonce = secrets.token_urlsafe(NONCE_BYTES)
        state = f"{nonce}.{_tag(account_id, nonce)}"
        now = self.clock.now()
        expires_at = now + STATE_TTL
        with self.db.write() as conn:
            conn.execute(
                oauth_states.insert().values(
                    state_hash=state_hash(state),
                    account_id=account_id,
                    return_url=return_url,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        return state, expires_at

    def consume(self, state: str) -> ConsumedState:
        """Use a state once; ``StateRejected`` says why it cannot be used.

        A state whose row names another account is burnt too (marked used) before it is
        refused: failing closed, it can never be tried again.
        """
        digest = state_hash(state)
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
            row = None
            if used is None:
                row = conn.execute(
                    select(oauth_states.c.used_at, oauth_states.c.expires_at).where(
                        oauth_states.c.state_hash == digest
                    )
                ).first()
        if used is not None:
            if not _bound_to(state, used.account_id):
                raise StateRejected(
                    "this authorization link was issued for another account",
                    reason="wrong_account",
                )
            return ConsumedState(account_id=used.account_id, return_url=used.return_url)
        if row is None:
            raise StateRejected("unknown authorization state", reason="unknown")
        if row.used_at is not None:
            raise StateRejected("this authorization link was already used", reason="replayed")
        raise StateRejected("this authorization link has expired", reason="expired")

    def void_for_account(self, conn: Connection, *, account_id: str) -> int:
        """Forget the account's outstanding links (it was disconnected): they become unknown."""
        return conn.execute(
            delete(oauth_states).where(
                oauth_states.c.account_id == account_id, oauth_states.c.used_at.is_(None)
            )
        ).rowcount

    def purge_expired(self, *, older_than: timedelta = timedelta(days=1)) -> int:
        with self.db.write() as conn:
            return conn.execute(
                delete(oauth_states).where(
                    oauth_states.c.expires_at < self.clock.now() - older_than
                )
            ).rowcount
