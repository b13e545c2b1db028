"""Completing an authorization: HubSpot redirects the user's browser to ``/oauth/callback``.

Each way it can fail has its own error code and status, so the page (and a JSON caller) can say
exactly what happened; nothing is stored unless the whole exchange succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from core.errors import HubSpotActionsError
from core.logging import get_logger
from store.accounts import AccountRecord
from store.oauth_states import StateRejected
from worker.hubspot.errors import AuthCodeRejected, HubSpotError

if TYPE_CHECKING:
    from producer.accounts import AccountService
    from producer.context import ProducerContext

log = get_logger(__name__)


class CallbackError(HubSpotActionsError):
    http_status = 400


class AccessDenied(CallbackError):
    code = "access_denied"
    http_status = 403


class InvalidState(CallbackError):
    code = "invalid_state"


class StateExpired(CallbackError):
    code = "state_expired"
    http_status = 410


class StateReplayed(CallbackError):
    code = "state_replayed"
    http_status = 409


class CodeRejected(CallbackError):
    code = "oauth_code_rejected"


class GrantMissingScopes(CallbackError):
    code = "missing_scopes"
    http_status = 403


class ExchangeFailed(CallbackError):
    code = "hubspot_unavailable"
    http_status = 502


_STATE_ERRORS: dict[str, type[CallbackError]] = {
    "unknown": InvalidState,
    "expired": StateExpired,
    "replayed": StateReplayed,
}


@dataclass(frozen=True)
class CallbackResult:
    account: AccountRecord
    return_url: str | None


def complete_authorization(
    ctx: ProducerContext,
    accounts: AccountService,
    *,
    code: str | None,
    state: str | None,
    error: str | None,
    error_description: str | None = None,
) -> CallbackResult:
    if not state:
        raise InvalidState("the callback has no state; start again from a fresh link")
    consumed = _consume(ctx, state)
    if error:
        log.info("oauth.denied", account_id=consumed.account_id, error=error)
        raise AccessDenied(
            f"HubSpot did not grant access ({error}"
            + (f": {error_description}" if error_description else "")
            + ")",
            account_id=consumed.account_id,
        )
    if not code:
        raise CodeRejected("the callback has no authorization code")
    try:
        grant = ctx.oauth.exchange_code(code=code, redirect_uri=ctx.connection.redirect_uri)
    except AuthCodeRejected as exc:
        raise CodeRejected(f"HubSpot rejected the authorization code: {exc.message}") from exc
    except HubSpotError as exc:
        raise ExchangeFailed(f"could not exchange the code with HubSpot: {exc.message}") from exc
    missing = ctx.connection.missing_scopes(grant.scopes)
    if missing:
        raise GrantMissingScopes(
            f"HubSpot granted fewer scopes than required (missing: {', '.join(missing)}); "
            "check that the app's scopes match HUBSPOT_SCOPES exactly",
            missing_scopes=missing,
        )
    expires_at = ctx.clock.now() + timedelta(seconds=grant.expires_in)
    with ctx.db.write() as conn:
        ctx.vault.put(
            conn,
            account_id=consumed.account_id,
            access=grant.access_token.get_secret_value(),
            refresh=grant.refresh_token.get_secret_value(),
            expires_at=expires_at,
        )
        ctx.accounts.activate(
            conn,
            account_id=consumed.account_id,
            hub_id=grant.hub_id,
            granted_scopes=grant.scopes,
            token_expires_at=expires_at,
        )
    accounts.schedule_refresh(consumed.account_id, expires_at.timestamp())
    record = ctx.accounts.get_by_id(consumed.account_id)
    assert record is not None
    log.info("oauth.connected", account_id=record.id, hub_id=grant.hub_id)
    return CallbackResult(account=record, return_url=consumed.return_url)


def _consume(ctx: ProducerContext, state: str):  # type: ignore[no-untyped-def]
    try:
        return ctx.states.consume(state)
    except StateRejected as exc:
        raise _STATE_ERRORS[exc.reason](exc.message) from exc
