"""User verification (DESIGN.md section 9): the operator confirms who completed a consent.

With ``OAUTH_USER_VERIFY_URL`` set, the callback stores the grant but leaves the account
PENDING_VERIFICATION and sends the browser to the operator's page with an ``auth_request_id``.
The operator's backend, having checked its own session, calls ``POST
/v1/connected-accounts/verify`` with that id and the identifier of the user it sees logged in;
only a match makes the account ACTIVE. This catches a link forwarded to (or opened by) someone
else: their consent never runs a job for the account it was minted for.

Each refusal is a ``VerificationError`` (``producer.errors`` draws their tree) and changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.logging import get_logger
from producer.errors import (
    AuthRequestExpired,
    AuthRequestNotFound,
    AuthRequestUsed,
    IdentifierMismatch,
    NotPendingVerification,
    VerificationError,
)
from schemas.accounts import AccountStatus
from schemas.webhooks import WebhookEvent
from store.accounts import AccountRecord
from store.oauth_states import AuthRequest

if TYPE_CHECKING:
    from producer.accounts import AccountService

__all__ = [
    "AuthRequestExpired",
    "AuthRequestNotFound",
    "AuthRequestUsed",
    "IdentifierMismatch",
    "NotPendingVerification",
    "VerificationError",
    "verify_user",
]

log = get_logger(__name__)


def verify_user(
    accounts: AccountService, *, auth_request_id: str, identifier: str
) -> AccountRecord:
    """Make the account of ``auth_request_id`` ACTIVE if ``identifier`` is its user.

    Checked in this order, each refusal changing nothing: the request exists (and was not
    superseded by a newer consent or a disconnect), it belongs to ``identifier``, it was not
    used, the link it came from has not expired, and the account still waits. The last two
    are re-checked by conditional UPDATEs in the transaction, so a race cannot slip through.
    """
    ctx = accounts.ctx
    key = accounts.key(ctx.connection.name, identifier)
    request = ctx.states.auth_request(auth_request_id)
    if request is None:
        raise AuthRequestNotFound("no consent awaits verification under this auth_request_id")
    account = ctx.accounts.get_by_id(request.account_id)
    if account is None or account.identifier != key.identifier:
        log.warning("oauth.verification_identifier_mismatch", account_id=request.account_id)
        raise IdentifierMismatch(
            "this consent was not made for that identifier; the account stays unverified"
        )
    _check_usable(request, accounts)
    with ctx.db.write() as conn:
        if not ctx.states.mark_verified(conn, auth_request_id=auth_request_id):
            raise AuthRequestExpired("this consent's authorization link expired meanwhile")
        if not ctx.accounts.set_status(
            conn,
            account_id=account.id,
            status=AccountStatus.ACTIVE,
            reason=None,
            only_from=(AccountStatus.PENDING_VERIFICATION,),
        ):
            raise NotPendingVerification(
                "the account no longer waits for verification (it was disconnected or "
                "authorized again); ask the user to authorize it again"
            )
    verified = ctx.accounts.get_by_id(account.id)
    assert verified is not None
    ctx.events.account(
        WebhookEvent.ACCOUNT_STATUS_UPDATED,
        verified,
        old_status=AccountStatus.PENDING_VERIFICATION,
    )
    _schedule(accounts, verified)
    log.info("oauth.user_verified", account_id=verified.id, hub_id=verified.hub_id)
    return verified


def _check_usable(request: AuthRequest, accounts: AccountService) -> None:
    if request.verified_at is not None:
        raise AuthRequestUsed("this consent was already verified")
    if request.expires_at <= accounts.ctx.clock.now():
        raise AuthRequestExpired(
            "this consent's authorization link expired before it was verified; ask the user "
            "to authorize again"
        )


def _schedule(accounts: AccountService, account: AccountRecord) -> None:
    """Now that it may run jobs, its token joins the refresh schedule like any ACTIVE one."""
    if account.token_expires_at is None or account.last_refreshed_at is None:
        return
    lifetime = (account.token_expires_at - account.last_refreshed_at).total_seconds()
    accounts.schedule_refresh(
        account.id, account.token_expires_at.timestamp(), lifetime_s=max(lifetime, 1.0)
    )
