"""The one boundary where httpx exceptions and HubSpot error responses become our typed errors.

Both clients (``client.py`` for the CRM, ``oauth.py`` for the token endpoints) send through
:func:`translated_transport_errors` and hand every non-2xx response to :func:`crm_error` or
:func:`oauth_error`; nothing else in the package inspects an httpx exception or an error body.

Transport failures are split by whether HubSpot can have applied the request:

- nothing was sent (connect error, connect or pool timeout, proxy unreachable): unavailable;
- the request cannot be sent at all (unsupported scheme, invalid request): a request error;
- anything after sending (read/write timeout, dropped connection, protocol error): outcome unknown.

An httpx exception's text is never copied into our message (h11 quotes header values in its
errors); only its class name is. The original stays reachable as ``__cause__`` for debugging.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from hubspot_client.errors import (
    AuthCodeRejected,
    HubSpotConflict,
    HubSpotError,
    HubSpotMissingScopes,
    HubSpotNotFound,
    HubSpotOutcomeUnknown,
    HubSpotRateLimited,
    HubSpotRequestError,
    HubSpotUnauthorized,
    HubSpotUnavailable,
    OAuthError,
    OAuthRequestError,
    OAuthUnavailable,
    RefreshTokenRejected,
)
from hubspot_client.parsing import (
    ErrorBody,
    Redactor,
    correlation_id,
    parse_error_body,
    parse_rate_limit,
    parse_retry_after,
)
from hubspot_client.responses import RateLimitInfo

#: The token call a failure came from: it decides what an ``invalid_grant`` means.
Grant = Literal["authorization_code", "refresh_token", "revoke"]

#: Statuses worth retrying later: timeout, locked (2 s locks), migration in progress, 5xx.
_UNAVAILABLE_STATUSES = frozenset({408, 423, 477})
#: Gateway timeouts: HubSpot's edge gave up waiting while the origin may still have applied it.
_OUTCOME_UNKNOWN_STATUSES = frozenset({504, 524})
#: HubSpot documents 423 locks as lasting 2 seconds; used when no ``Retry-After`` came.
LOCKED_RETRY_AFTER_S = 2.0
#: Longest piece of HubSpot text quoted in one of our messages.
MAX_QUOTED_CHARS = 300

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
_UNSENDABLE = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)
_EXISTING_ID_RE = re.compile(r"Existing ID:\s*(\d+)")
_SCOPE_KEYS = ("requiredGranularScopes", "requiredScopes", "missingScopes")
_BAD_TOKEN_STATUSES = frozenset({"BAD_REFRESH_TOKEN"})
_BAD_CODE_STATUSES = frozenset({"BAD_AUTH_CODE", "EXPIRED_AUTH_CODE"})


@contextmanager
def translated_transport_errors(*, oauth: bool) -> Iterator[None]:
    """Run a send; any httpx request error leaves as our error, chained ``from`` the original."""
    try:
        yield
    except httpx.RequestError as exc:
        raise transport_error(exc, oauth=oauth) from exc


def transport_error(exc: httpx.RequestError, *, oauth: bool) -> HubSpotError:
    """Classify an httpx exception by whether the request can have reached HubSpot."""
    name = type(exc).__name__
    if isinstance(exc, _UNSENDABLE):
        text = f"The request could not be sent to HubSpot ({name}); check the API base URL"
        return OAuthRequestError(text) if oauth else HubSpotRequestError(text)
    if isinstance(exc, _NOT_SENT):
        text = f"HubSpot could not be reached ({name}); nothing was sent"
        return OAuthUnavailable(text) if oauth else HubSpotUnavailable(text)
    text = f"No answer from HubSpot after the request was sent ({name}); it may have been applied"
    return OAuthUnavailable(text, outcome_unknown=True) if oauth else HubSpotOutcomeUnknown(text)


def unreadable_success(response: httpx.Response) -> HubSpotOutcomeUnknown:
    """A 2xx whose body is not JSON: HubSpot applied the call but we cannot read the result."""
    cid = correlation_id(response.headers)
    return HubSpotOutcomeUnknown(
        _describe("HubSpot answered with an unreadable body", response.status_code, None, None, cid)
        + "; the request was probably applied",
        status_code=response.status_code,
        correlation_id=cid,
    )


@dataclass(frozen=True, slots=True)
class _Failure:
    """A non-2xx response, read once: status, parsed body and the headers that matter."""

    status: int
    body: ErrorBody
    correlation_id: str | None
    retry_after: float | None
    rate_limit: RateLimitInfo | None

    @classmethod
    def read(cls, response: httpx.Response, *, now: float, redact: Redactor) -> _Failure:
        body = parse_error_body(response.content, redact=redact)
        return cls(
            status=response.status_code,
            body=body,
            correlation_id=body.correlation_id or correlation_id(response.headers),
            retry_after=parse_retry_after(response.headers.get("retry-after"), now=now),
            rate_limit=parse_rate_limit(response.headers),
        )

    @property
    def category(self) -> str | None:
        """CRM ``category``, rate-limit ``errorType``, or the token endpoint's status/error."""
        body = self.body
        status = body.status if body.status != "error" else None
        return body.category or body.error_type or status or body.error

    def fields(self) -> dict[str, Any]:
        """The keyword arguments every :class:`HubSpotError` takes."""
        return {
            "status_code": self.status,
            "category": self.category,
            "correlation_id": self.correlation_id,
            "hubspot_message": self.body.message or self.body.error_description,
        }

    def describe(self, lead: str, *, label: str | None = None, text: str | None = None) -> str:
        label = label or self.category
        text = text or self.body.message or self.body.error_description
        if text is None and not self.body.is_json:
            text = "the response had no JSON error body"
        return _describe(lead, self.status, label, text, self.correlation_id)


def crm_error(response: httpx.Response, *, now: float, redact: Redactor) -> HubSpotError:
    """The typed error for a non-2xx CRM response (DESIGN.md section 7 decides what follows)."""
    failure = _Failure.read(response, now=now, redact=redact)
    return _crm_builder(failure)(failure)


#: A failed batch input's ``category`` and the status a single call of it answers with
#: (facts 2.1, 2.6, 2.7, 2.10); any other category is read as a 400 (no retry).
_ITEM_STATUSES = {
    "OBJECT_NOT_FOUND": 404,
    "CONFLICT": 409,
    "VALIDATION_ERROR": 400,
    "MISSING_SCOPES": 403,
    "RATE_LIMITS": 429,
}


def batch_item_error(error: Mapping[str, Any], *, correlation_id: str | None) -> HubSpotError:
    """One failed input of a batch answer (207 ``errors[]``, a ``StandardError``) as the typed
    error a single call of that input would have raised: same classes, same wording.

    The ``StandardError`` has no HTTP status of its own (its ``status`` is ``"error"``), so the
    category stands for it; the batch call's correlation id is the item's.
    """
    status = _ITEM_STATUSES.get(str(error.get("category")), 400)
    body = parse_error_body(json.dumps(dict(error)).encode(), redact=_no_secrets)
    failure = _Failure(
        status=status,
        body=body,
        correlation_id=body.correlation_id or correlation_id,
        retry_after=None,
        rate_limit=None,
    )
    return _crm_builder(failure)(failure)


def _no_secrets(text: str) -> str:
    # A batch answer is HubSpot's JSON about records: it carries no token to redact.
    return text


def _crm_builder(failure: _Failure) -> Callable[[_Failure], HubSpotError]:
    status = failure.status
    if status == 403 and _is_missing_scopes(failure.body):
        return _missing_scopes
    if status in _OUTCOME_UNKNOWN_STATUSES:
        return _gateway_timeout
    if _is_unavailable(status):
        return _unavailable
    return _CRM_BY_STATUS.get(status, _request_error)


def _unauthorized(failure: _Failure) -> HubSpotError:
    return HubSpotUnauthorized(
        failure.describe("HubSpot rejected the access token"), **failure.fields()
    )


def _not_found(failure: _Failure) -> HubSpotError:
    return HubSpotNotFound(failure.describe("HubSpot found no such object"), **failure.fields())


def _gateway_timeout(failure: _Failure) -> HubSpotError:
    lead = "HubSpot timed out answering; the request may have been applied"
    return HubSpotOutcomeUnknown(
        failure.describe(lead), retry_after=failure.retry_after, **failure.fields()
    )


def _unavailable(failure: _Failure) -> HubSpotError:
    retry_after = failure.retry_after
    if retry_after is None and failure.status == 423:
        retry_after = LOCKED_RETRY_AFTER_S
    return HubSpotUnavailable(
        failure.describe("HubSpot is unavailable"), retry_after=retry_after, **failure.fields()
    )


def _request_error(failure: _Failure) -> HubSpotError:
    details = "; ".join(failure.body.detail_messages()[:3]) or None
    return HubSpotRequestError(
        failure.describe("HubSpot rejected the request", text=details),
        error_code=failure.body.first_error_code(),
        **failure.fields(),
    )


def oauth_error(
    response: httpx.Response, *, grant: Grant, now: float, redact: Redactor
) -> OAuthError:
    """The typed error for a non-2xx token-endpoint response.

    A refresh is rejected on ``status == BAD_REFRESH_TOKEN`` *or* ``error == invalid_grant``:
    HubSpot's v1 body has only the first, RFC 6749 clients see the second, and one capture pairs
    BAD_REFRESH_TOKEN with ``invalid_request``. Only a JSON 4xx can reject a grant: an HTML error
    page from a proxy must never mark an account revoked.
    """
    failure = _Failure.read(response, now=now, redact=redact)
    status, body = failure.status, failure.body
    fields = failure.fields() | {"oauth_error": body.error, "oauth_status": _status_of(body)}
    if status == 429 or _is_unavailable(status):
        return OAuthUnavailable(
            failure.describe("HubSpot's token endpoint is unavailable"),
            retry_after=failure.retry_after,
            outcome_unknown=status in _OUTCOME_UNKNOWN_STATUSES,
            **fields,
        )
    client_error = 400 <= status < 500
    if client_error and grant == "refresh_token" and _rejects(body, _BAD_TOKEN_STATUSES):
        lead = "HubSpot rejected the refresh token"
        return RefreshTokenRejected(failure.describe(lead), **fields)
    if client_error and grant == "authorization_code" and _rejects(body, _BAD_CODE_STATUSES):
        lead = "HubSpot rejected the authorization code"
        return AuthCodeRejected(failure.describe(lead), **fields)
    return OAuthRequestError(failure.describe("HubSpot refused the token request"), **fields)


def token_already_invalid(response: httpx.Response, *, redact: Redactor) -> bool:
    """Whether a failed revoke says the token is already invalid (which is what we wanted)."""
    if response.status_code not in (400, 404):
        return False
    body = parse_error_body(response.content, redact=redact)
    return body.error == "invalid_token" or _rejects(body, _BAD_TOKEN_STATUSES)


def _is_unavailable(status: int) -> bool:
    return status >= 500 or status in _UNAVAILABLE_STATUSES


def _status_of(body: ErrorBody) -> str | None:
    """HubSpot's token ``status`` (BAD_REFRESH_TOKEN); CRM bodies' literal ``"error"`` is noise."""
    return body.status if body.status != "error" else None


def _rejects(body: ErrorBody, statuses: frozenset[str]) -> bool:
    """``invalid_grant`` (RFC 6749) or one of HubSpot's own statuses for this grant."""
    return body.error == "invalid_grant" or _status_of(body) in statuses


def _is_missing_scopes(body: ErrorBody) -> bool:
    return body.category == "MISSING_SCOPES" or bool(body.context_values(*_SCOPE_KEYS))


def _missing_scopes(failure: _Failure) -> HubSpotMissingScopes:
    scopes = failure.body.context_values(*_SCOPE_KEYS)
    text = f"one of {', '.join(scopes)} is required" if scopes else None
    return HubSpotMissingScopes(
        failure.describe("HubSpot refused the call for lack of a scope", text=text),
        required_scopes=scopes,
        **failure.fields(),
    )


def _conflict(failure: _Failure) -> HubSpotConflict:
    texts = (failure.body.message or "", *failure.body.detail_messages())
    matches = (_EXISTING_ID_RE.search(t) for t in texts)
    existing_id = next((m.group(1) for m in matches if m), None)
    return HubSpotConflict(
        failure.describe("HubSpot reported a conflict"),
        existing_id=existing_id,
        **failure.fields(),
    )


def _rate_limited(failure: _Failure) -> HubSpotRateLimited:
    policy = failure.body.inferred_policy_name()
    text = failure.body.message
    if failure.retry_after is not None:
        text = f"{text or 'rate limited'}; retry after {failure.retry_after:g} s"
    return HubSpotRateLimited(
        failure.describe("HubSpot rate limit reached", label=policy, text=text),
        retry_after=failure.retry_after,
        policy_name=policy,
        rate_limit=failure.rate_limit,
        **failure.fields(),
    )


_CRM_BY_STATUS: dict[int, Callable[[_Failure], HubSpotError]] = {
    401: _unauthorized,
    404: _not_found,
    409: _conflict,
    429: _rate_limited,
}


def _describe(lead: str, status: int, label: str | None, text: str | None, cid: str | None) -> str:
    """``Lead (400 VALIDATION_ERROR): HubSpot's text [correlation id …]``."""
    message = f"{lead} ({status} {label})" if label else f"{lead} ({status})"
    if text:
        text = " ".join(text.split())
        clipped = text if len(text) <= MAX_QUOTED_CHARS else text[: MAX_QUOTED_CHARS - 3] + "..."
        message += f": {clipped}"
    if cid:
        message += f" [correlation id {cid}]"
    return message
