"""The one seam through which the execute path gets an access token.

No call site checks expiry: ``TokenProvider.get`` returns a token that is good for at least the
safety margin, refreshing inline (through the same single-flight path as the scheduled refresh)
when the scheduler could not do it in time, e.g. a midnight job after the scheduler was down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import SecretStr
from sqlalchemy import Connection

from core.clock import Clock, SystemClock
from store.errors import CredentialsUnreadable
from store.vault import TokenSet, TokenVault

#: Refresh inline when the stored token expires within this long.
DEFAULT_INLINE_MARGIN = timedelta(seconds=60)


def inline_margin(refresh_margin_s: float) -> timedelta:
    """The execute path's safety margin: at most ``DEFAULT_INLINE_MARGIN`` and at most half the
    scheduled refresh margin, so that the scheduler normally refreshes first and jobs only
    refresh inline when it could not (it was down, or is far behind)."""
    return min(DEFAULT_INLINE_MARGIN, timedelta(seconds=refresh_margin_s / 2))


@dataclass(frozen=True)
class AccessToken:
    value: SecretStr
    version: int
    expires_at: datetime


class Refresher(Protocol):
    """Single-flight refresh (``worker.refresh.refresher``): returns the current tokens after it."""

    def refresh_now(self, account_id: str, *, stale_version: int) -> TokenSet: ...

    def run_scheduled(self, account_id: str, version: int | None) -> None: ...


@dataclass(eq=False, kw_only=True)
class TokenProvider:
    vault: TokenVault
    refresher: Refresher | None
    margin: timedelta = DEFAULT_INLINE_MARGIN
    clock: Clock = field(default_factory=SystemClock)

    def get(self, account_id: str, *, read: TokenSet | None = None) -> AccessToken:
        """A token good for at least the margin. ``read``: the tokens already read with the
        job's claim (``TokenProvider.read``), used instead of reading them again when they are this
        account's; near their expiry they are refreshed like any others."""
        tokens = read if read is not None and read.account_id == account_id else None
        tokens = tokens or self._load(account_id)
        if self.refresher is not None and tokens.expires_at - self.clock.now() <= self.margin:
            tokens = self.refresher.refresh_now(account_id, stale_version=tokens.version)
        return _access(tokens)

    def read(self, account_id: str, conn: Connection) -> TokenSet | None:
        """The stored tokens, read in ``conn``'s transaction (a job's claim: one transaction
        fewer per job, a fifth of a submitted-and-awaited job's worker time on PostgreSQL).
        None if there are none or they do not decrypt: ``get`` then says so, in the attempt."""
        try:
            return self.vault.load(account_id, conn)
        except CredentialsUnreadable:
            return None

    def force_refresh(self, account_id: str, *, stale_version: int) -> AccessToken | None:
        """After a 401: refresh once (unless someone already did); None if refresh is off."""
        if self.refresher is None:
            return None
        return _access(self.refresher.refresh_now(account_id, stale_version=stale_version))

    def _load(self, account_id: str) -> TokenSet:
        tokens = self.vault.load(account_id)
        if tokens is None:
            raise CredentialsUnreadable(f"account {account_id} has no stored tokens")
        return tokens


def _access(tokens: TokenSet) -> AccessToken:
    return AccessToken(tokens.access_token, tokens.version, tokens.expires_at)
