"""The producer's errors: what its Python API raises to a caller, and what its routes raise.

The Python API (``producer.actions``, the LangChain and MCP tools) raises ``ActionsError``: the
API's stable error code, its message and details. The errors the producer raises itself extend the
project's tree (``core.errors``), one class per code; the API answers each with its status:

    HubSpotActionsError (core.errors)      code                               http
    +-- CallbackError                      (its subclass's)                   400
    |   +-- AccessDenied                   access_denied                      403
    |   +-- AuthorizationFailed            authorization_failed               400
    +-- VerificationError                  (its subclass's)                   409
        +-- AuthRequestNotFound            auth_request_not_found             404
        +-- IdentifierMismatch             identifier_mismatch                409
        +-- AuthRequestUsed                auth_request_used                  409
        +-- AuthRequestExpired             auth_request_expired               410
        +-- NotPendingVerification         account_not_pending_verification   409

``CallbackError`` is raised by ``producer.oauth_callback`` (the other errors its page shows are
listed there), ``VerificationError`` by ``producer.verification``.
"""

from __future__ import annotations

from typing import Any

import httpx

from core.errors import HubSpotActionsError


class ActionsError(Exception):
    """An API call failed: ``code`` is the stable error code, ``status`` the HTTP status,
    ``retryable`` whether trying again later may work (the API's word, else: 429 or 5xx)."""

    def __init__(self, code: str, message: str, *, status: int | None = None, **details: Any):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.details = details
        fallback = status is not None and (status == 429 or status >= 500)
        self.retryable: bool = bool(details.get("retryable", fallback))


class ToolError(ActionsError):
    """A tool run failed. ``retryable``: trying again later may work; ``reauth_link``: send the
    user there to (re-)authorize HubSpot; ``job_id``: the failed job, when one was created."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool = False,
        reauth_link: str | None = None,
        job_id: str | None = None,
        **details: Any,
    ) -> None:
        super().__init__(code, message, **details)
        self.retryable = retryable
        self.reauth_link = reauth_link
        self.job_id = job_id


def error_answer(exc: ActionsError | httpx.HTTPError) -> dict[str, Any]:
    """The structured error a model receives instead of an exception (LangChain tools, MCP).

    ``httpx.HTTPError``: the remote API could not be reached at all, which a retry may fix.
    """
    if isinstance(exc, httpx.HTTPError):
        return {
            "error": {
                "code": "service_unavailable",
                "message": f"the hubspot-actions API could not be reached ({type(exc).__name__})",
                "retryable": True,
                "reauth_link": None,
            }
        }
    error: dict[str, Any] = {
        "code": exc.code,
        "message": exc.message,
        "retryable": exc.retryable if isinstance(exc, ToolError) else exc.status in (429, 503),
        "reauth_link": exc.reauth_link if isinstance(exc, ToolError) else None,
    }
    job_id = exc.job_id if isinstance(exc, ToolError) else None
    if job_id:
        error["job_id"] = job_id
    error.update({k: v for k, v in exc.details.items() if k not in error and v is not None})
    return {"error": error}


class CallbackError(HubSpotActionsError):
    """HubSpot's redirect to ``/oauth/callback`` says the consent did not happen; nothing is
    stored and the link stays usable until it expires."""

    http_status = 400


class AccessDenied(CallbackError):
    """The user clicked "Deny" on HubSpot's consent page."""

    code = "access_denied"
    http_status = 403


class AuthorizationFailed(CallbackError):
    """HubSpot sent back another ``error=`` than a denial (``oauth_error`` names it)."""

    code = "authorization_failed"


class VerificationError(HubSpotActionsError):
    """``POST /v1/connected-accounts/verify`` refused to verify the user; nothing changes."""

    http_status = 409


class AuthRequestNotFound(VerificationError):
    """No consent awaits verification under that ``auth_request_id`` (never issued, or
    superseded by a newer consent or a disconnect)."""

    code = "auth_request_not_found"
    http_status = 404


class IdentifierMismatch(VerificationError):
    """The consent was made for another identifier than the one the operator sees logged in:
    the account stays unverified."""

    code = "identifier_mismatch"


class AuthRequestUsed(VerificationError):
    """The consent was verified before; an ``auth_request_id`` verifies once."""

    code = "auth_request_used"


class AuthRequestExpired(VerificationError):
    """The authorization link the consent came from expired before it was verified."""

    code = "auth_request_expired"
    http_status = 410


class NotPendingVerification(VerificationError):
    """The account no longer waits for verification (it was disconnected or authorized again)."""

    code = "account_not_pending_verification"
