"""Typed errors for every way a HubSpot call can fail, so that one policy can decide by type.

The HubSpot clients raise only these (``translate.py`` is the single place that builds them from
httpx exceptions and HubSpot error bodies). Each carries the data the retry policy and the job's
``error`` need, and never a secret: no token, no ``Authorization`` header, no client secret, no
body of a token call. Messages quote HubSpot's own (safe, already redacted) message.

    HubSpotActionsError (core.errors)         code                  retry  data
    +-- HubSpotError                          hubspot_error         no     status_code category
        |                                                                  correlation_id
        +-- HubSpotUnauthorized     401       hubspot_unauthorized  no     expired
        +-- HubSpotMissingScopes    403       missing_scopes        no     required_scopes
        |                                 (also a core MissingScopes)
        +-- HubSpotRateLimited      429       hubspot_rate_limited  yes    retry_after policy_name
        +-- HubSpotUnavailable      5xx 423   hubspot_unavailable   yes    retry_after
        |   |  477 408, connect errors, connect/pool timeouts: nothing was sent
        |   +-- HubSpotOutcomeUnknown         outcome_unknown       yes*   retry_after
        |      read/write timeouts, drops after sending, 504/524, unreadable 2xx
        +-- HubSpotConflict         409       hubspot_error         no     existing_id
        +-- HubSpotNotFound         404       hubspot_error         no
        +-- HubSpotRequestError     other 4xx hubspot_error         no     error_code
        +-- OAuthError              token calls oauth_error         no     oauth_error oauth_status
            +-- RefreshTokenRejected          account_revoked       no  (also an AccountRevoked)
            +-- AuthCodeRejected              oauth_code_rejected   no
            +-- OAuthUnavailable    5xx 429   hubspot_unavailable   yes    retry_after
            |                       (also a HubSpotUnavailable, which owns the code)
            |                       timeouts                               outcome_unknown
            +-- OAuthRequestError   other 4xx oauth_error           no
                (bad client credentials, unusable 2xx body)

    * retrying an outcome-unknown create may duplicate it: the policy decides per tool.

Every constructor takes the message positionally and everything else by keyword with a default,
so the errors survive ``pickle``/``copy`` (``BaseException`` rebuilds from ``args`` plus
``__dict__``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from core.errors import AccountRevoked, HubSpotActionsError, MissingScopes
from hubspot_client.responses import RateLimitInfo

#: The package exports exactly these (``hubspot_client/__init__.py`` re-exports this list).
__all__ = [
    "AuthCodeRejected",
    "HubSpotConflict",
    "HubSpotError",
    "HubSpotMissingScopes",
    "HubSpotNotFound",
    "HubSpotOutcomeUnknown",
    "HubSpotRateLimited",
    "HubSpotRequestError",
    "HubSpotUnauthorized",
    "HubSpotUnavailable",
    "OAuthError",
    "OAuthRequestError",
    "OAuthUnavailable",
    "RefreshTokenRejected",
]


class HubSpotError(HubSpotActionsError):
    """A HubSpot call failed; ``status_code`` is ``None`` when no response came back."""

    code: ClassVar[str] = "hubspot_error"
    http_status: ClassVar[int] = 502

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        category: str | None = None,
        correlation_id: str | None = None,
        hubspot_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.category = category
        self.correlation_id = correlation_id
        self.hubspot_message = hubspot_message

    def to_dict(self) -> dict[str, Any]:
        """The job error shape: ``{code, message, retryable, <extras>, hubspot?}``.

        ``hubspot`` is present only when HubSpot answered (there is a status to report).
        """
        body = super().to_dict()
        body["retryable"] = self.retryable
        body.update({k: v for k, v in self._extra().items() if v is not None})
        if self.status_code is not None:
            body["hubspot"] = {
                "status": self.status_code,
                "category": self.category,
                "correlation_id": self.correlation_id,
            }
        return body

    def _extra(self) -> dict[str, Any]:
        """Class-specific fields for :meth:`to_dict`; ``None`` values are dropped."""
        return {}


class HubSpotUnauthorized(HubSpotError):
    """401: the access token was refused. ``expired`` when HubSpot says EXPIRED_AUTHENTICATION.

    HubSpot also reports some garbage tokens as expired, and says a 401 is no proof a refresh
    is due, so the policy refreshes once and retries once whatever ``expired`` says.
    """

    code = "hubspot_unauthorized"

    @property
    def expired(self) -> bool:
        return self.category == "EXPIRED_AUTHENTICATION"


class HubSpotMissingScopes(MissingScopes, HubSpotError):
    """403 MISSING_SCOPES. ``required_scopes``: HubSpot's list (any one of them is enough).

    A ``MissingScopes`` too: one code, one class that owns it (``core.errors``); this one adds
    HubSpot's answer to it.
    """

    def __init__(self, message: str, *, required_scopes: tuple[str, ...] = (), **kw: Any) -> None:
        super().__init__(message, **kw)
        self.required_scopes = required_scopes

    def _extra(self) -> dict[str, Any]:
        return {"required_scopes": list(self.required_scopes) or None}


class HubSpotRateLimited(HubSpotError):
    """429. ``retry_after`` (seconds) only when HubSpot sent ``Retry-After``; otherwise wait for
    the window that ``policy_name`` names (TEN_SECONDLY_ROLLING, SECONDLY for search, DAILY)."""

    code = "hubspot_rate_limited"
    http_status = 429
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        policy_name: str | None = None,
        rate_limit: RateLimitInfo | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.policy_name = policy_name
        self.rate_limit = rate_limit

    def _extra(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after, "policy_name": self.policy_name}


class HubSpotUnavailable(HubSpotError):
    """HubSpot is down, locked or unreachable, and the request was not applied: retry later.

    ``retry_after`` comes from ``Retry-After`` (477 always sends it) or is 2 s for a 423, the lock
    length HubSpot documents; ``None`` means "use your backoff".
    """

    code = "hubspot_unavailable"
    http_status = 503
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after

    def _extra(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


class HubSpotOutcomeUnknown(HubSpotUnavailable):
    """The request was sent but no usable answer came: HubSpot may have applied it.

    Retrying is safe for reads and updates; for creates it may duplicate the object.
    """

    code = "outcome_unknown"
    http_status = 504


class HubSpotConflict(HubSpotError):
    """409. ``existing_id``: the id HubSpot names in "... Existing ID: 123" (duplicate email)."""

    def __init__(self, message: str, *, existing_id: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.existing_id = existing_id

    def _extra(self) -> dict[str, Any]:
        return {"existing_id": self.existing_id}


class HubSpotNotFound(HubSpotError):
    """404: no such object (or, for a non-numeric id, OBJECT_NOT_FOUND)."""


class HubSpotRequestError(HubSpotError):
    """Any other 4xx, e.g. 400 VALIDATION_ERROR; ``error_code`` is the first ``errors[].code``
    (PROPERTY_DOESNT_EXIST, INVALID_OPTION, ...). Retrying would fail the same way."""

    def __init__(self, message: str, *, error_code: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.error_code = error_code

    def _extra(self) -> dict[str, Any]:
        return {"error_code": self.error_code}


class OAuthError(HubSpotError):
    """A token-endpoint call failed. ``oauth_error`` is RFC 6749's ``error`` (``invalid_grant``),
    ``oauth_status`` HubSpot's own ``status`` (``BAD_REFRESH_TOKEN``)."""

    code = "oauth_error"

    def __init__(
        self,
        message: str,
        *,
        oauth_error: str | None = None,
        oauth_status: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.oauth_error = oauth_error
        self.oauth_status = oauth_status


class RefreshTokenRejected(AccountRevoked, OAuthError):
    """HubSpot refused the refresh token (app uninstalled or access revoked): the account is
    ``REVOKED`` until the user authorizes again. An ``AccountRevoked`` (which owns the code)."""


class AuthCodeRejected(OAuthError):
    """The authorization code was bad, expired or already used: the user must start over."""

    code = "oauth_code_rejected"
    http_status = 400


class OAuthUnavailable(HubSpotUnavailable, OAuthError):
    """The token endpoint is down, rate limited or unreachable: retry later. A
    ``HubSpotUnavailable`` (which owns the code) of the token endpoint.

    ``outcome_unknown`` is true when the request was sent but no answer came: if HubSpot rotates
    refresh tokens, a refresh may have been applied and the old refresh token invalidated.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        outcome_unknown: bool = False,
        **kw: Any,
    ) -> None:
        super().__init__(message, retry_after=retry_after, **kw)
        self.outcome_unknown = outcome_unknown

    def _extra(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


class OAuthRequestError(OAuthError):
    """Any other failure: bad client credentials, a malformed request, an unusable 2xx body.

    An operator problem, not the account's: never a reason to mark an account revoked.
    """
