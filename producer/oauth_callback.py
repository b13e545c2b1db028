"""Completing an authorization: HubSpot redirects the user's browser to ``/oauth/callback``.

Each way it can fail has its own error code and status, so the page (and a JSON caller) can say
exactly what happened; nothing is stored unless the whole exchange succeeds.

    CallbackError (core.errors root)    code                    http
    +-- AccessDenied                    access_denied           403  the user clicked "Deny"
    +-- AuthorizationFailed             authorization_failed    400  HubSpot sent another error=
    +-- InvalidState                    invalid_state           400  no, unknown or tampered state
    +-- StateAccountMismatch            state_account_mismatch  400  state bound to another account
    +-- StateExpired                    state_expired           410  link older than 10 minutes
    +-- StateReplayed                   state_replayed          409  link already used
    +-- CodeRejected                    oauth_code_rejected     400  code bad, expired or used
    +-- GrantMissingScopes              missing_scopes          403  grant short of HUBSPOT_SCOPES
    +-- ExchangeRefused                 oauth_error             502  HubSpot refused our app
    +-- ExchangeFailed                  hubspot_unavailable     502  HubSpot unreachable
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from core.errors import HubSpotActionsError
from core.logging import get_logger
from hubspot_client.errors import AuthCodeRejected, HubSpotError, OAuthUnavailable
from hubspot_client.oauth import TokenGrant
from producer.portal import request_portal_schema
from schemas.connection import SCOPE_MATCH_RULE
from store.accounts import AccountRecord
from store.oauth_states import ConsumedState, StateRejected

if TYPE_CHECKING:
    from producer.accounts import AccountService
    from producer.context import ProducerContext

log = get_logger(__name__)


class CallbackError(HubSpotActionsError):
    http_status = 400


class AccessDenied(CallbackError):
    code = "access_denied"
    http_status = 403


class AuthorizationFailed(CallbackError):
    code = "authorization_failed"


class InvalidState(CallbackError):
    code = "invalid_state"


class StateAccountMismatch(CallbackError):
    code = "state_account_mismatch"


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


class ExchangeRefused(CallbackError):
    code = "oauth_error"
    http_status = 502


class ExchangeFailed(CallbackError):
    code = "hubspot_unavailable"
    http_status = 502


_STATE_ERRORS: dict[str, type[CallbackError]] = {
    "unknown": InvalidState,
    "expired": StateExpired,
    "replayed": StateReplayed,
    "wrong_account": StateAccountMismatch,
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
        raise _refusal(consumed.account_id, error, error_description)
    if not code:
        raise CodeRejected("the callback has no authorization code")
    grant = _exchange(ctx, code)
    missing = ctx.connection.missing_scopes(grant.scopes)
    if missing:
        log.warning("oauth.grant_missing_scopes", account_id=consumed.account_id, missing=missing)
        _discard(ctx, consumed.account_id, grant)
        raise GrantMissingScopes(
            f"HubSpot granted fewer scopes than required (missing: {', '.join(missing)}). "
            + SCOPE_MATCH_RULE,
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
    accounts.schedule_refresh(
        consumed.account_id, expires_at.timestamp(), lifetime_s=float(grant.expires_in)
    )
    # The portal's properties and pipelines, fetched by a worker (no HubSpot call here).
    request_portal_schema(ctx, consumed.account_id)
    record = ctx.accounts.get_by_id(consumed.account_id)
    assert record is not None
    log.info("oauth.connected", account_id=record.id, hub_id=grant.hub_id)
    return CallbackResult(account=record, return_url=consumed.return_url)


def _consume(ctx: ProducerContext, state: str) -> ConsumedState:
    try:
        return ctx.states.consume(state)
    except StateRejected as exc:
        log.info("oauth.state_rejected", reason=exc.reason)
        raise _STATE_ERRORS[exc.reason](
            f"{exc.message}; ask for a fresh authorization link"
        ) from exc


def _refusal(account_id: str, error: str, description: str | None) -> CallbackError:
    """HubSpot came back with ``error=``: the user said no, or HubSpot refused the request.

    The page is public (whoever holds the redirect URL sees it), so errors name no account.
    """
    log.info("oauth.refused", account_id=account_id, error=error)
    said = f"{error}: {description}" if description else error
    if error == "access_denied":
        return AccessDenied(f"HubSpot did not grant access ({said})")
    hint = f" {SCOPE_MATCH_RULE}" if "scope" in said.lower() else ""
    return AuthorizationFailed(
        f"HubSpot could not complete the authorization ({said}).{hint}",
        oauth_error=error,
    )


def _exchange(ctx: ProducerContext, code: str) -> TokenGrant:
    try:
        return ctx.oauth.exchange_code(code=code, redirect_uri=ctx.connection.redirect_uri)
    except AuthCodeRejected as exc:
        raise CodeRejected(
            f"HubSpot rejected the authorization code ({exc.message}); "
            "start again from a fresh link"
        ) from exc
    except OAuthUnavailable as exc:
        raise ExchangeFailed(f"could not reach HubSpot to finish: {exc.message}") from exc
    except HubSpotError as exc:
        raise ExchangeRefused(
            f"HubSpot refused the token request ({exc.message}); check HUBSPOT_CLIENT_ID, "
            "HUBSPOT_CLIENT_SECRET and HUBSPOT_REDIRECT_URI"
        ) from exc


def _discard(ctx: ProducerContext, account_id: str, grant: TokenGrant) -> None:
    """A grant we refuse is revoked at HubSpot (best effort) rather than left valid and unused."""
    try:
        ctx.oauth.revoke(refresh_token=grant.refresh_token.get_secret_value())
    except HubSpotError as exc:
        log.warning("oauth.discard_revoke_failed", account_id=account_id, error=exc.code)
