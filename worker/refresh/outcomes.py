"""How a refresh attempt ends, each ending in one method: the new token landed, HubSpot rejected
the refresh token, the attempt failed and will be tried again, or it failed for a reason no retry
fixes and is held (which ending is the decision table's call, ``worker.decisions``).

Every ending leaves the account either on the refresh schedule (at its next due time, or sooner
after a failure) or deliberately off it (``REVOKED``): nothing relies on a later run to put it
back, though the scheduler's sweep would (SQL is the source of truth, DESIGN.md s8). Redis steps
after the SQL commit are best effort for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import redis

from broker.counters import REFRESH_COUNTER, Counters
from broker.events import WebhookEvents
from broker.notify import publish_job_done
from broker.schedule import Schedule, refresh_due_at
from core.clock import Clock
from core.errors import AccountRevoked
from core.logging import get_logger
from hubspot_client.errors import HubSpotError, OAuthUnavailable, RefreshTokenRejected
from hubspot_client.oauth import TokenGrant
from schemas.accounts import AccountStatus
from store.accounts import AccountStore
from store.db import Database
from store.errors import CredentialsUnreadable
from store.jobs import JobStore
from store.vault import TokenSet, TokenVault
from worker.refresh.backoff import Failure, RefreshBackoff

log = get_logger(__name__)

Trigger = Literal["scheduled", "inline"]

REVOKED_MESSAGE = (
    "HubSpot rejected the account's refresh token (the app was uninstalled or its access was "
    "revoked); the user must authorize the app again"
)


@dataclass(eq=False, kw_only=True)
class RefreshOutcomes:
    db: Database
    vault: TokenVault
    accounts: AccountStore
    jobs: JobStore
    schedule: Schedule
    backoff: RefreshBackoff
    counters: Counters
    redis_client: redis.Redis
    mint_reauth_link: Callable[[str], str | None]
    margin_s: float
    clock: Clock
    events: WebhookEvents | None = None

    def count(self, outcome: str, trigger: Trigger) -> None:
        self.counters.incr(REFRESH_COUNTER, {"outcome": outcome, "trigger": trigger})

    # -- the new token landed -------------------------------------------------------------

    def landed(self, old: TokenSet, grant: TokenGrant, *, trigger: Trigger) -> TokenSet:
        """Store the grant over version ``old.version`` (refresh token included: HubSpot may
        rotate it) and schedule the next refresh; the tokens now current."""
        account_id = old.account_id
        expires_at = self.clock.now() + timedelta(seconds=grant.expires_in)
        with self.db.write() as conn:
            swapped = self.vault.swap(
                conn,
                account_id=account_id,
                expected_version=old.version,
                access=grant.access_token.get_secret_value(),
                refresh=grant.refresh_token.get_secret_value(),
                expires_at=expires_at,
            )
            previous = None
            if swapped:
                previous = self.accounts.record_refresh(
                    conn,
                    account_id=account_id,
                    token_expires_at=expires_at,
                    granted_scopes=grant.scopes or None,
                )
        if not swapped:
            # A new authorization replaced the tokens meanwhile: it wins and scheduled itself.
            log.info("token.refresh_superseded", account_id=account_id, trigger=trigger)
            self.count("skipped", trigger)
            current = self.vault.load(account_id)
            if current is None:
                raise CredentialsUnreadable(f"account {account_id} has no stored tokens")
            return current
        due = refresh_due_at(
            expires_at.timestamp(), margin_s=self.margin_s, lifetime_s=grant.expires_in
        )
        self._quietly(lambda: self.schedule.add(account_id, due))
        self._quietly(lambda: self.backoff.clear(account_id))
        if previous is AccountStatus.EXPIRED and self.events is not None:
            self.events.status_changed(account_id, AccountStatus.EXPIRED)
        self.count("ok", trigger)
        log.info(
            "token.refreshed",
            account_id=account_id,
            version=old.version + 1,
            expires_in=grant.expires_in,
            trigger=trigger,
        )
        return TokenSet(
            account_id=account_id,
            version=old.version + 1,
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            expires_at=expires_at,
        )

    def due_at(self, expires_at_ts: float) -> float:
        return refresh_due_at(expires_at_ts, margin_s=self.margin_s)

    # -- HubSpot rejected the refresh token -----------------------------------------------

    def revoked(self, old: TokenSet, exc: RefreshTokenRejected, *, trigger: Trigger) -> bool:
        """``REVOKED`` with the reason, off the schedule, ready jobs failed at once (their
        waiters told); False when a newer authorization made the rejection moot."""
        account_id = old.account_id
        reason = _revoked_reason(exc, answer_lost=self._answer_lost(account_id))
        before = self.accounts.get_by_id(account_id) if self.events is not None else None
        with self.db.write() as conn:
            changed = self.accounts.revoke_if_current(
                conn, account_id=account_id, token_version=old.version, reason=reason
            )
        if not changed:
            log.info("token.revocation_superseded", account_id=account_id)
            return False
        self._quietly(lambda: self.schedule.remove(account_id))
        self._quietly(lambda: self.backoff.clear(account_id))
        failed = self._fail_ready_jobs(account_id)
        if self.events is not None:
            self.events.status_changed(account_id, before.status if before else None)
            self.events.jobs_finished(failed)
        self.count("revoked", trigger)
        log.warning(
            "token.revoked",
            account_id=account_id,
            oauth_status=exc.oauth_status,
            oauth_error=exc.oauth_error,
            jobs_failed=len(failed),
            trigger=trigger,
        )
        return True

    def _fail_ready_jobs(self, account_id: str) -> list[str]:
        """Queued and retrying jobs fail now, without calling HubSpot; ``run_at`` jobs are
        checked when they are due (the account may be authorized again by then)."""
        error = AccountRevoked(REVOKED_MESSAGE).to_dict()
        error["retryable"] = False
        link = self._reauth_link(account_id)
        if link:
            error["reauth_link"] = link
        failed = self.jobs.fail_waiting_for_account(account_id, error=error)
        publish_job_done(self.redis_client, failed)
        return failed

    def _reauth_link(self, account_id: str) -> str | None:
        try:
            return self.mint_reauth_link(account_id)
        except Exception as exc:
            log.warning("token.reauth_link_failed", error=type(exc).__name__)
            return None

    def _answer_lost(self, account_id: str) -> bool:
        try:
            return self.backoff.answer_lost(account_id)
        except redis.RedisError:
            return False

    # -- the attempt failed; try again ----------------------------------------------------

    def failed(self, old: TokenSet, exc: HubSpotError, *, trigger: Trigger) -> Failure:
        """Back off (sooner than the regular due time, through the same schedule); past the
        token's expiry the account shows ``EXPIRED`` until a refresh succeeds."""
        account_id = old.account_id
        now = self.clock.now()
        unknown = isinstance(exc, OAuthUnavailable) and exc.outcome_unknown
        failure = self.backoff.record(
            account_id,
            now=now.timestamp(),
            outcome_unknown=unknown,
            retry_after=getattr(exc, "retry_after", None),
        )
        self.schedule.add(account_id, now.timestamp() + failure.delay_s)
        expired = False
        if now >= old.expires_at:
            expired = self._mark_expired(account_id, exc)
        if self.events is not None:
            self.events.refresh_failed(account_id)
            if expired:
                self.events.status_changed(account_id, AccountStatus.ACTIVE)
        self.count("failed", trigger)
        log.warning(
            "token.refresh_failed",
            account_id=account_id,
            error=exc.code,
            http_status=exc.status_code,
            outcome_unknown=unknown,
            failures=failure.count,
            retry_in_s=round(failure.delay_s, 2),
            trigger=trigger,
        )
        return failure

    # -- the attempt failed for a reason no retry fixes ----------------------------------

    def held(self, old: TokenSet, exc: HubSpotError, *, trigger: Trigger, recheck_s: float) -> None:
        """Bad app credentials or an unusable answer (``OAuthRequestError``): an operator
        problem, so the account is neither revoked nor retried on the backoff; it is looked at
        again ``recheck_s`` later, and shows ``EXPIRED`` once its token is past expiry."""
        account_id = old.account_id
        now = self.clock.now()
        self._quietly(lambda: self.schedule.add(account_id, now.timestamp() + recheck_s))
        if now >= old.expires_at:
            self._mark_expired(account_id, exc)
        self.count("failed", trigger)
        log.error(
            "token.refresh_refused",
            account_id=account_id,
            error=exc.code,
            http_status=exc.status_code,
            retry_in_s=recheck_s,
            trigger=trigger,
        )

    def _mark_expired(self, account_id: str, exc: HubSpotError) -> bool:
        """ACTIVE -> EXPIRED; True when this call changed it (the caller emits the event)."""
        with self.db.write() as conn:
            return self.accounts.set_status(
                conn,
                account_id=account_id,
                status=AccountStatus.EXPIRED,
                reason=f"the token expired and refreshing it keeps failing ({exc.code}); retrying",
                only_from=(AccountStatus.ACTIVE,),
            )

    @staticmethod
    def _quietly(step: Callable[[], object]) -> None:
        try:
            step()
        except redis.RedisError as exc:
            log.warning("token.schedule_update_failed", error=type(exc).__name__)


def _revoked_reason(exc: RefreshTokenRejected, *, answer_lost: bool) -> str:
    code = exc.oauth_status or exc.oauth_error or "invalid_grant"
    reason = f"HubSpot rejected the refresh token ({code}): app uninstalled or access revoked"
    if answer_lost:
        reason += (
            "; an earlier refresh was sent but its answer never came back, and HubSpot may "
            "have rotated the refresh token then"
        )
    return reason
