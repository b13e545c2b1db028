"""Completing an authorization: HubSpot redirects the user's browser to ``/oauth/callback``.

Each way it can fail has its own error code and status, so the page (and a JSON caller) can say
exactly what happened; nothing is stored unless the whole exchange succeeds. Only a callback that
stores tokens uses the link up: a denied consent, a missing or rejected code, a short grant or an
unreachable HubSpot leave it usable for another try until it expires (DESIGN.md section 9). The
code is exchanged with the PKCE verifier of the state that came with it, so a code from another
user's consent fails at HubSpot (``oauth_code_rejected``).

With ``OAUTH_USER_VERIFY_URL`` set, a completed consent leaves the account PENDING_VERIFICATION
under a fresh ``auth_request_id`` that the operator confirms (``producer.verification``).

What the page answers, each error raised by the class that owns its code (one class per code):

    producer.errors.CallbackError       code                    http
    +-- AccessDenied                    access_denied           403  the user clicked "Deny"
    +-- AuthorizationFailed             authorization_failed    400  HubSpot sent another error=
    store.oauth_states.StateRejected    invalid_state           400  no, unknown or tampered state
    +-- StateAccountMismatch            state_account_mismatch  400  state bound to another account
    +-- StateExpired                    state_expired           410  link older than 10 minutes
    +-- StateReplayed                   state_replayed          409  link already used
    hubspot_client.AuthCodeRejected     oauth_code_rejected     400  code bad, expired or used
    core.errors.MissingScopes           missing_scopes          403  grant short of HUBSPOT_SCOPES
    hubspot_client.OAuthRequestError    oauth_error             502  HubSpot refused our app
    hubspot_client.OAuthUnavailable     hubspot_unavailable     502  HubSpot unreachable

(the page's statuses and hints are ``CALLBACK_ANSWERS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from secrets import token_urlsafe
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from core.errors import HubSpotActionsError, MissingScopes
from core.logging import get_logger
from hubspot_client.errors import AuthCodeRejected, HubSpotError
from hubspot_client.oauth import TokenGrant
from producer.errors import AccessDenied, AuthorizationFailed, CallbackError
from producer.portal import request_portal_schema
from schemas.connection import SCOPE_MATCH_RULE
from schemas.webhooks import WebhookEvent
from store.accounts import AccountRecord
from store.oauth_states import OpenState, StateRejected, StateReplayed

if TYPE_CHECKING:
    from producer.accounts import AccountService
    from producer.context import ProducerContext

__all__ = [
    "AUTH_REQUEST_BYTES",
    "CALLBACK_ANSWERS",
    "AccessDenied",
    "AuthorizationFailed",
    "CallbackError",
    "CallbackResult",
    "callback_answer",
    "complete_authorization",
]

log = get_logger(__name__)


#: What the callback page answers, by error code, where it differs from the error's own status
#: (the page is the end of a browser flow: a refused grant is 403, HubSpot failing us is 502),
#: and what to do next. HubSpot's errors are translated once, in ``hubspot_client``; this only
#: words them for the person looking at the page.
CALLBACK_ANSWERS: dict[str, tuple[int | None, str]] = {
    "missing_scopes": (403, ""),
    "oauth_code_rejected": (
        None,
        "Open the authorization link again (it stays usable until it expires).",
    ),
    "hubspot_unavailable": (502, "HubSpot could not be reached to finish; try the link again."),
    "oauth_error": (
        502,
        "HubSpot refused the token request: check HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and "
        "HUBSPOT_REDIRECT_URI.",
    ),
}


def callback_answer(exc: HubSpotActionsError) -> tuple[int, str]:
    """The callback page's status and message for ``exc``."""
    status, hint = CALLBACK_ANSWERS.get(exc.code, (None, ""))
    message = f"{exc.message} {hint}".strip() if hint else exc.message
    return status or exc.http_status, message


#: Random bytes of an ``auth_request_id`` (it names a consent awaiting verification).
AUTH_REQUEST_BYTES = 24


@dataclass(frozen=True)
class CallbackResult:
    account: AccountRecord
    return_url: str | None
    #: Set when the account waits for user verification: where to send the browser.
    verify_redirect: str | None = None


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
        raise StateRejected("the callback has no state; start again from a fresh link")
    opened = _open(ctx, state)
    if error:
        raise _refusal(opened.account_id, error, error_description)
    if not code:
        raise AuthCodeRejected("the callback has no authorization code; the link is still usable")
    grant = _exchange(ctx, code, opened.code_verifier)
    missing = ctx.connection.missing_scopes(grant.scopes)
    if missing:
        log.warning("oauth.grant_missing_scopes", account_id=opened.account_id, missing=missing)
        _discard(ctx, opened.account_id, grant)
        raise MissingScopes(
            f"HubSpot granted fewer scopes than required (missing: {', '.join(missing)}). "
            + SCOPE_MATCH_RULE,
            missing_scopes=missing,
        )
    verify_url = ctx.settings.oauth_user_verify_url
    auth_request_id = None if verify_url is None else f"areq_{token_urlsafe(AUTH_REQUEST_BYTES)}"
    before = ctx.accounts.get_by_id(opened.account_id)
    expires_at = _store(ctx, opened, grant, auth_request_id)
    record = ctx.accounts.get_by_id(opened.account_id)
    assert record is not None
    ctx.events.account(  # webhooks (never raises): PENDING -> ACTIVE, REVOKED -> ACTIVE, ...
        WebhookEvent.ACCOUNT_STATUS_UPDATED, record, old_status=before.status if before else None
    )
    if auth_request_id is None:
        accounts.schedule_refresh(
            opened.account_id, expires_at.timestamp(), lifetime_s=float(grant.expires_in)
        )
        # The portal's properties and pipelines, fetched by a worker (no HubSpot call here).
        request_portal_schema(ctx, opened.account_id)
        log.info("oauth.connected", account_id=record.id, hub_id=grant.hub_id)
        return CallbackResult(account=record, return_url=opened.return_url)
    assert verify_url is not None
    log.info("oauth.pending_verification", account_id=record.id, hub_id=grant.hub_id)
    query = urlencode({"auth_request_id": auth_request_id, "identifier": record.identifier})
    sep = "&" if "?" in verify_url else "?"
    return CallbackResult(
        account=record, return_url=opened.return_url, verify_redirect=f"{verify_url}{sep}{query}"
    )


def _store(
    ctx: ProducerContext, opened: OpenState, grant: TokenGrant, auth_request_id: str | None
) -> datetime:
    """Tokens, the account's new status and the state's consumption: one transaction.

    Losing the race for the state to another callback stores nothing, and the grant we got is
    revoked rather than left valid and unused.
    """
    expires_at = ctx.clock.now() + timedelta(seconds=grant.expires_in)
    pending = None
    if auth_request_id is not None:
        pending = (
            "waiting for the operator to verify the user "
            f"(the request expires with the link, by {opened.expires_at.isoformat()})"
        )
    with ctx.db.write() as conn:
        won = ctx.states.complete(conn, opened, auth_request_id=auth_request_id)
        if won:
            ctx.vault.put(
                conn,
                account_id=opened.account_id,
                access=grant.access_token.get_secret_value(),
                refresh=grant.refresh_token.get_secret_value(),
                expires_at=expires_at,
            )
            ctx.accounts.activate(
                conn,
                account_id=opened.account_id,
                hub_id=grant.hub_id,
                granted_scopes=grant.scopes,
                token_expires_at=expires_at,
                pending_verification=pending,
            )
    if not won:
        _discard(ctx, opened.account_id, grant)
        raise StateReplayed("this authorization link was already used; ask for a fresh one")
    return expires_at


def _open(ctx: ProducerContext, state: str) -> OpenState:
    try:
        return ctx.states.open(state)
    except StateRejected as exc:
        log.info("oauth.state_rejected", reason=exc.reason)
        raise type(exc)(f"{exc.message}; ask for a fresh authorization link") from exc


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


def _exchange(ctx: ProducerContext, code: str, code_verifier: str | None) -> TokenGrant:
    """The code for tokens. HubSpot's refusals come out as ``hubspot_client``'s typed errors,
    translated once there (``AuthCodeRejected``, ``OAuthUnavailable``, ``OAuthRequestError``);
    the callback route adds what the user or operator should do about each."""
    return ctx.oauth.exchange_code(
        code=code, redirect_uri=ctx.connection.redirect_uri, code_verifier=code_verifier
    )


def _discard(ctx: ProducerContext, account_id: str, grant: TokenGrant) -> None:
    """A grant we refuse is revoked at HubSpot (best effort) rather than left valid and unused."""
    try:
        ctx.oauth.revoke(refresh_token=grant.refresh_token.get_secret_value())
    except HubSpotError as exc:
        log.warning("oauth.discard_revoke_failed", account_id=account_id, error=exc.code)
