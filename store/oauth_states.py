"""OAuth ``state`` values: random, stored hashed, single-use, short-lived, bound to one account.

The state is what ties HubSpot's redirect back to the account that asked for it. Only its hash is
stored, so a database leak cannot be replayed; consumption is one conditional UPDATE, so two
callbacks racing with the same state cannot both succeed. The callback ``open``s a state (reads
its account and PKCE verifier) and ``complete``s it only in the transaction that stores tokens, so
a denied consent or a failed exchange leaves the link usable until it expires. A completed state
whose consent awaits user verification carries an ``auth_request_id`` (DESIGN.md section 9).

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
from dataclasses import dataclass, field
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
    """The callback's state is unknown or tampered with (this class), or one of the subclasses:
    expired, already used, or bound to another account. The callback answers with them as they
    are (one class per code); ``reason`` names the case for logs."""

    code = "invalid_state"
    http_status = 400
    reason = "unknown"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class StateExpired(StateRejected):
    code = "state_expired"
    http_status = 410
    reason = "expired"


class StateReplayed(StateRejected):
    code = "state_replayed"
    http_status = 409
    reason = "replayed"


class StateAccountMismatch(StateRejected):
    code = "state_account_mismatch"
    reason = "wrong_account"


@dataclass(frozen=True)
class ConsumedState:
    account_id: str
    return_url: str | None


@dataclass(frozen=True)
class OpenState:
    """A state the callback may still complete: what it needs to exchange the code.

    ``code_verifier`` is the link's PKCE secret (None only for links minted before PKCE).
    """

    state_hash: str
    account_id: str
    return_url: str | None
    expires_at: datetime
    code_verifier: str | None = field(repr=False)


@dataclass(frozen=True)
class AuthRequest:
    """A completed consent waiting for the operator to verify the user (DESIGN.md s9)."""

    auth_request_id: str
    account_id: str
    expires_at: datetime
    verified_at: datetime | None


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

    def issue(
        self,
        *,
        account_id: str,
        return_url: str | None = None,
        code_verifier: str | None = None,
    ) -> tuple[str, datetime]:
        """A new state for ``account_id``; returns it (plaintext, once) and its expiry.

        ``code_verifier`` is kept in the row as it is: it is one-time, dies with the state in
        ten minutes, is useless without the app's client secret (never in the database) and
        only ever read back by the callback holding the plaintext state. Encrypting it under
        the token keyring would tie outstanding links to keys that ``keys rotate`` does not
        cover, for no gain against a reader of the database.
        """
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
                    code_verifier=code_verifier,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        return state, expires_at

    def open(self, state: str) -> OpenState:
        """The state's row if it can still complete; ``StateRejected`` says why not.

        Reading does not use the state up: a callback that ends without tokens (the user
        denied, no code, a rejected code) leaves the link usable; ``complete`` consumes it. A
        state whose row names another account is burnt (marked used) before it is refused:
        failing closed, it can never be tried again.
        """
        digest = state_hash(state)
        now = self.clock.now()
        with self.db.read() as conn:
            row = conn.execute(
                select(oauth_states).where(oauth_states.c.state_hash == digest)
            ).first()
        if row is None:
            raise StateRejected("unknown authorization state")
        if row.used_at is not None:
            raise StateReplayed("this authorization link was already used")
        if row.expires_at <= now:
            raise StateExpired("this authorization link has expired")
        if not _bound_to(state, row.account_id):
            with self.db.write() as conn:
                self._mark_used(conn, digest, auth_request_id=None)
            raise StateAccountMismatch("this authorization link was issued for another account")
        return OpenState(
            state_hash=digest,
            account_id=row.account_id,
            return_url=row.return_url,
            expires_at=row.expires_at,
            code_verifier=row.code_verifier,
        )

    def complete(
        self, conn: Connection, opened: OpenState, *, auth_request_id: str | None = None
    ) -> bool:
        """Consume the state in the caller's transaction (the one storing the tokens).

        False when another callback completed it first: one conditional UPDATE, so two racing
        callbacks cannot both win. Expiry was checked when the callback arrived (``open``). Any
        older consent of the account still awaiting verification is superseded: verifying it
        would otherwise activate the tokens of this newer consent.
        """
        if not self._mark_used(conn, opened.state_hash, auth_request_id=auth_request_id):
            return False
        conn.execute(
            update(oauth_states)
            .where(
                oauth_states.c.account_id == opened.account_id,
                oauth_states.c.state_hash != opened.state_hash,
                oauth_states.c.auth_request_id.is_not(None),
                oauth_states.c.verified_at.is_(None),
            )
            .values(auth_request_id=None)
        )
        return True

    def consume(self, state: str) -> ConsumedState:
        """``open`` then ``complete`` in one go (for callers with nothing to exchange)."""
        opened = self.open(state)
        with self.db.write() as conn:
            if not self.complete(conn, opened):
                raise StateReplayed("this authorization link was already used")
        return ConsumedState(account_id=opened.account_id, return_url=opened.return_url)

    def auth_request(self, auth_request_id: str) -> AuthRequest | None:
        """The consent ``auth_request_id`` names, or None (unknown or superseded)."""
        with self.db.read() as conn:
            row = conn.execute(
                select(
                    oauth_states.c.account_id,
                    oauth_states.c.expires_at,
                    oauth_states.c.verified_at,
                ).where(oauth_states.c.auth_request_id == auth_request_id)
            ).first()
        if row is None:
            return None
        return AuthRequest(
            auth_request_id=auth_request_id,
            account_id=row.account_id,
            expires_at=row.expires_at,
            verified_at=row.verified_at,
        )

    def mark_verified(self, conn: Connection, *, auth_request_id: str) -> bool:
        """Use the verification once, before the link's expiry; False if that is too late."""
        now = self.clock.now()
        return (
            conn.execute(
                update(oauth_states)
                .where(
                    oauth_states.c.auth_request_id == auth_request_id,
                    oauth_states.c.verified_at.is_(None),
                    oauth_states.c.expires_at > now,
                )
                .values(verified_at=now)
            ).rowcount
            == 1
        )

    def _mark_used(self, conn: Connection, digest: str, *, auth_request_id: str | None) -> bool:
        return (
            conn.execute(
                update(oauth_states)
                .where(oauth_states.c.state_hash == digest, oauth_states.c.used_at.is_(None))
                .values(used_at=self.clock.now(), auth_request_id=auth_request_id)
            ).rowcount
            == 1
        )

    def void_for_account(self, conn: Connection, *, account_id: str) -> int:
        """Forget the account's outstanding links (it was disconnected): they become unknown,
        and so do its consents awaiting verification. Returns the number of links voided."""
        conn.execute(
            update(oauth_states)
            .where(
                oauth_states.c.account_id == account_id,
                oauth_states.c.auth_request_id.is_not(None),
                oauth_states.c.verified_at.is_(None),
            )
            .values(auth_request_id=None)
        )
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
