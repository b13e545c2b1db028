"""Token refresh: single-flight per account across processes, scheduled ahead of expiry or inline.

HubSpot access tokens live 30 minutes and HubSpot says a 401 is no signal to refresh, so each
account is refreshed from its token's expiry, ahead of time, whether or not jobs run for it
(DESIGN.md s8). Two ways in, one path through:

* ``run_scheduled`` (the ``refresh_token`` actor): the scheduler claimed the account's due entry
  and names the token version the refresh is meant to replace. A version already replaced, a token
  not yet due or a backoff not yet over means nothing to do but keep the account scheduled.
* ``refresh_now`` (the execute path, via ``worker.refresh.tokens``): a job found its token about
  to expire (the scheduler was down) or got a 401. Callers that find another process refreshing
  wait briefly and re-read; whoever holds the lock re-reads the version first, so a refresh
  someone else just made is returned, not repeated.

Single-flight comes from a Redis lock (``lock``) that saves duplicate HubSpot calls, and
from the vault's compare-and-swap on the version, which makes a duplicate that slips through (a
lapsed lock) harmless. What each exception means is the decision table's
(``worker.decisions.refresh_verdict``, the same reading as a job's); carrying it out is
``outcomes``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from broker.schedule import Schedule
from core.clock import Clock
from core.errors import AccountNotFound
from core.logging import get_logger
from hubspot_client.errors import HubSpotError, RefreshTokenRejected
from hubspot_client.oauth import TokenGrant
from schemas.accounts import unavailable_error
from store.accounts import AccountStore, RefreshTarget
from store.errors import CredentialsUnreadable
from store.vault import TokenSet, TokenVault
from worker.decisions import RefreshVerdict, refresh_verdict
from worker.refresh.backoff import RefreshBackoff
from worker.refresh.errors import RefreshDeferred
from worker.refresh.lock import RefreshLock
from worker.refresh.outcomes import RefreshOutcomes, Trigger

log = get_logger(__name__)

#: How long an inline caller waits for another process's refresh before giving up for now.
DEFAULT_LOCK_WAIT_S = 10.0
#: A scheduled run that finds the lock taken looks again this much later (if still needed).
BUSY_RECHECK_S = 5.0
#: Clock skew tolerated between processes when deciding whether a token is due. Too small only
#: costs a re-check (the entry comes back at the due time by this process's clock); too large
#: would let a stray entry refresh a token that was just issued.
DUE_SLACK_S = 1.0
#: A refresh that failed for a reason no retry fixes (bad app credentials, unreadable tokens:
#: what fails a job at once) is looked at again only this much later: an operator fix is picked
#: up without a restart, and a broken configuration costs one token call per account per period.
HOLD_RECHECK_S = 900.0


class TokenEndpoint(Protocol):
    """What the refresher needs of ``hubspot_client.oauth.OAuthClient``."""

    def refresh(self, *, refresh_token: str) -> TokenGrant: ...


@dataclass(eq=False, kw_only=True)
class TokenRefresher:
    """Implements ``worker.refresh.tokens.Refresher``."""

    vault: TokenVault
    accounts: AccountStore
    oauth: TokenEndpoint
    lock: RefreshLock
    backoff: RefreshBackoff
    outcomes: RefreshOutcomes
    schedule: Schedule
    margin_s: float
    clock: Clock
    lock_wait_s: float = DEFAULT_LOCK_WAIT_S
    #: Beyond this much validity left a token is not due (margin + largest jitter + skew).
    due_window_s: float = field(init=False)

    def __post_init__(self) -> None:
        self.due_window_s = self.margin_s + min(30.0, self.margin_s * 0.1) + DUE_SLACK_S

    # -- the execute path -----------------------------------------------------------------

    def refresh_now(self, account_id: str, *, stale_version: int) -> TokenSet:
        """Replace token ``stale_version`` unless someone already did; the current tokens.

        Raises ``RefreshTokenRejected`` (the account is now ``REVOKED``), the account's error if
        it can no longer run jobs, ``OAuthUnavailable``/``RefreshDeferred`` (retry later) or
        ``OAuthRequestError`` (an operator problem).
        """
        deadline = time.monotonic() + self.lock_wait_s
        while True:
            meta = self.vault.meta(account_id)
            if meta is None:
                raise CredentialsUnreadable(f"account {account_id} has no stored tokens")
            if meta.version != stale_version:
                return self._load(account_id)
            self._check_hold(account_id)
            token = self.lock.acquire(account_id)
            if token is not None:
                try:
                    return self._refresh_locked(account_id, stale_version, trigger="inline")
                finally:
                    self.lock.release(account_id, token)
            if time.monotonic() >= deadline:
                raise RefreshDeferred(
                    "another process is still refreshing this account's token",
                    retry_after=BUSY_RECHECK_S,
                )
            self.lock.wait_released(account_id, deadline=deadline)

    # -- the scheduled path ---------------------------------------------------------------

    def run_scheduled(self, account_id: str, version: int | None) -> None:
        """Refresh a due account; every ending leaves it scheduled or deliberately off."""
        try:
            self._run_scheduled(account_id, version)
        except Exception as exc:
            self._settle_scheduled(account_id, exc)

    def _settle_scheduled(self, account_id: str, exc: Exception) -> None:
        """Carry out the decision table's verdict on a scheduled refresh that raised."""
        verdict = refresh_verdict(exc)
        if verdict is RefreshVerdict.DEFER:
            retry_after = getattr(exc, "retry_after", None) or BUSY_RECHECK_S
            self.schedule.add(account_id, self.clock.time() + retry_after)
        elif isinstance(exc, HubSpotError):
            pass  # carried out where raised, with the tokens in hand (``_refresh_locked``)
        elif verdict is RefreshVerdict.UNSCHEDULE:
            self.schedule.remove(account_id)  # deliberately off: it can no longer run jobs
        elif verdict is RefreshVerdict.HOLD:  # unreadable credentials: a job fails at once too
            log.error("token.credentials_unreadable", account_id=account_id, detail=str(exc))
            self.schedule.add(account_id, self.clock.time() + HOLD_RECHECK_S)
        else:  # a database or Redis outage, or a bug
            log.error(
                "token.refresh_crashed",
                account_id=account_id,
                error=type(exc).__name__,
                exc_info=exc,
            )
            self._retry_later(account_id)

    def _run_scheduled(self, account_id: str, version: int | None) -> None:
        target = self.accounts.refresh_targets([account_id]).get(account_id)
        if target is None or not target.status.can_run_jobs:
            self.schedule.remove(account_id)
            log.info(
                "token.refresh_unscheduled",
                account_id=account_id,
                status=None if target is None else target.status.value,
            )
            return
        if (version is not None and target.version != version) or not self._due(target):
            self._keep_scheduled(target)
            self.outcomes.count("skipped", "scheduled")
            return
        hold = self.backoff.hold_until(account_id)
        if hold is not None and hold > self.clock.time():
            self.schedule.add(account_id, hold)
            return
        token = self.lock.acquire(account_id)
        if token is None:
            # Someone is refreshing it now and will reschedule it; look again in case they die.
            self.schedule.client.zadd(
                self.schedule.key, {account_id: self.clock.time() + BUSY_RECHECK_S}, gt=True
            )
            return
        try:
            tokens = self._refresh_locked(account_id, target.version, trigger="scheduled")
        finally:
            self.lock.release(account_id, token)
        self._keep_scheduled(
            RefreshTarget(account_id, target.status, tokens.version, tokens.expires_at)
        )

    # -- the one refresh ------------------------------------------------------------------

    def _refresh_locked(self, account_id: str, stale_version: int, *, trigger: Trigger) -> TokenSet:
        """Under the lock: re-read, then call HubSpot only if ``stale_version`` is still current."""
        tokens = self._load(account_id)
        if tokens.version != stale_version:
            return tokens
        account = self.accounts.get_by_id(account_id)
        if account is None:
            raise AccountNotFound(f"no connected account {account_id}")
        if not account.status.can_run_jobs:
            raise unavailable_error(account.status, account.identifier)
        self._check_hold(account_id)
        try:
            grant = self.oauth.refresh(refresh_token=tokens.refresh_token.get_secret_value())
        except HubSpotError as exc:
            verdict = refresh_verdict(exc)
            if verdict is RefreshVerdict.REVOKE and isinstance(exc, RefreshTokenRejected):
                self.outcomes.revoked(tokens, exc, trigger=trigger)
            elif verdict is RefreshVerdict.HOLD:
                self.outcomes.held(tokens, exc, trigger=trigger, recheck_s=HOLD_RECHECK_S)
            else:
                self.outcomes.failed(tokens, exc, trigger=trigger)
            raise
        return self.outcomes.landed(tokens, grant, trigger=trigger)

    # -- helpers --------------------------------------------------------------------------

    def _load(self, account_id: str) -> TokenSet:
        tokens = self.vault.load(account_id)
        if tokens is None:
            raise CredentialsUnreadable(f"account {account_id} has no stored tokens")
        return tokens

    def _check_hold(self, account_id: str) -> None:
        """A recent failure asked everyone to hold off: don't call HubSpot before it is over."""
        hold = self.backoff.hold_until(account_id)
        remaining = 0.0 if hold is None else hold - self.clock.time()
        if remaining > 0:
            raise RefreshDeferred(
                "refreshing this account's token failed a moment ago; retrying shortly",
                retry_after=remaining,
            )

    def _due(self, target: RefreshTarget) -> bool:
        return target.expires_at.timestamp() - self.clock.time() <= self.due_window_s

    def _keep_scheduled(self, target: RefreshTarget) -> None:
        """Make sure the account is scheduled, without moving an entry someone else set."""
        due = self.outcomes.due_at(target.expires_at.timestamp())
        self.schedule.client.zadd(self.schedule.key, {target.account_id: due}, nx=True)

    def _retry_later(self, account_id: str) -> None:
        try:
            failure = self.backoff.record(
                account_id, now=self.clock.time(), outcome_unknown=False, retry_after=None
            )
            self.schedule.add(account_id, self.clock.time() + failure.delay_s)
        except Exception as exc:  # Redis is down too: the sweep reschedules it from SQL
            log.warning("token.reschedule_failed", account_id=account_id, error=type(exc).__name__)
