"""Every CRM failure HubSpot documents (or was caught sending) maps to the right typed error."""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import formatdate
from typing import Any

import httpx
import pytest

from hubspot_client import (
    HubSpotConflict,
    HubSpotError,
    HubSpotMissingScopes,
    HubSpotNotFound,
    HubSpotOutcomeUnknown,
    HubSpotRateLimited,
    HubSpotRequestError,
    HubSpotUnauthorized,
    HubSpotUnavailable,
    RateLimitInfo,
)
from tests.unit.hubspot import bodies
from tests.unit.hubspot.helpers import ACCESS_TOKEN, NOW, Handler, Req, answer, crm, raising

CONTACT_CREATE = Req("POST", "/crm/v3/objects/contacts", json={"properties": {"email": "a@b.co"}})


def fail(handler: Handler, request: Req = CONTACT_CREATE) -> HubSpotError:
    """Send ``request`` through a client answering with ``handler``; return what it raised."""
    client, _ = crm(handler)
    with pytest.raises(HubSpotError) as info:
        client.send(request, access_token=ACCESS_TOKEN)
    return info.value


def test_expired_authentication() -> None:
    """401 EXPIRED_AUTHENTICATION -> HubSpotUnauthorized with ``expired`` and HubSpot's data."""
    exc = fail(answer(401, bodies.EXPIRED_AUTHENTICATION))
    assert type(exc) is HubSpotUnauthorized
    assert exc.expired is True
    assert exc.code == "hubspot_unauthorized"
    assert exc.status_code == 401
    assert exc.category == "EXPIRED_AUTHENTICATION"
    assert exc.correlation_id == "019cd9fe-d093-7d4f-99bc-45975fdcf7c6"
    assert exc.hubspot_message == bodies.EXPIRED_AUTHENTICATION["message"]
    assert str(exc) == (
        "HubSpot rejected the access token (401 EXPIRED_AUTHENTICATION): The OAuth token used to "
        "make this call expired 0 second(s) ago. "
        "[correlation id 019cd9fe-d093-7d4f-99bc-45975fdcf7c6]"
    )


def test_invalid_authentication() -> None:
    """401 INVALID_AUTHENTICATION -> HubSpotUnauthorized, not expired."""
    exc = fail(answer(401, bodies.INVALID_AUTHENTICATION))
    assert isinstance(exc, HubSpotUnauthorized)
    assert exc.expired is False
    assert exc.category == "INVALID_AUTHENTICATION"


def test_401_without_body_uses_header_correlation_id() -> None:
    """A bare 401 still maps, taking the correlation id from ``x-hubspot-correlation-id``."""
    headers = {"x-hubspot-correlation-id": "hdr-cid", "x-hubspot-auth-failure": "401 Unauthorized"}
    exc = fail(answer(401, headers=headers))
    assert isinstance(exc, HubSpotUnauthorized)
    assert exc.expired is False
    assert exc.correlation_id == "hdr-cid"
    assert exc.category is None


def test_missing_scopes_granular() -> None:
    """403 MISSING_SCOPES -> HubSpotMissingScopes listing requiredGranularScopes in order."""
    exc = fail(answer(403, bodies.MISSING_SCOPES), Req("GET", "/crm/v3/objects/deals"))
    assert isinstance(exc, HubSpotMissingScopes)
    assert exc.code == "missing_scopes"
    assert exc.retryable is False
    assert exc.required_scopes == tuple(bodies.DEALS_READ_SCOPES)
    assert exc.correlation_id == "dc49c0a8-9952-4937-aad4-e322b1e5cee0"
    assert "one of crm.schemas.deals.read, " in str(exc)
    assert exc.to_dict()["required_scopes"] == bodies.DEALS_READ_SCOPES


@pytest.mark.parametrize("key", ["requiredScopes", "missingScopes"])
def test_missing_scopes_older_keys(key: str) -> None:
    """The older ``requiredScopes`` and the spec's ``missingScopes`` keys are read as well."""
    body = {
        "status": "error",
        "message": "This app hasn't been granted all required scopes to make this call.",
        "category": "MISSING_SCOPES",
        "errors": [{"message": "x", "context": {key: ["crm.objects.contacts.read"]}}],
    }
    exc = fail(answer(403, body))
    assert isinstance(exc, HubSpotMissingScopes)
    assert exc.required_scopes == ("crm.objects.contacts.read",)


def test_missing_scopes_recognized_by_context_without_category() -> None:
    """A 403 naming scopes in its context is a scope problem even without the category."""
    body = {"message": "nope", "context": {"requiredScopes": ["crm.objects.deals.write"]}}
    exc = fail(answer(403, body))
    assert isinstance(exc, HubSpotMissingScopes)
    assert exc.required_scopes == ("crm.objects.deals.write",)


def test_other_403_is_a_request_error() -> None:
    """A 403 that is not about scopes fails as a plain request error."""
    exc = fail(answer(403, {"status": "error", "message": "Forbidden", "category": "FORBIDDEN"}))
    assert type(exc) is HubSpotRequestError
    assert exc.code == "hubspot_error"


def test_validation_error_unknown_property() -> None:
    """400 VALIDATION_ERROR -> HubSpotRequestError quoting the detail and its ``code``."""
    exc = fail(answer(400, bodies.VALIDATION_UNKNOWN_PROPERTY))
    assert type(exc) is HubSpotRequestError
    assert exc.error_code == "PROPERTY_DOESNT_EXIST"
    assert exc.category == "VALIDATION_ERROR"
    assert exc.hubspot_message == bodies.VALIDATION_UNKNOWN_PROPERTY["message"]
    assert str(exc) == (
        'HubSpot rejected the request (400 VALIDATION_ERROR): Property "testproperty" does not '
        "exist [correlation id 8a3f6c3a-8296-4002-b0a6-2a06fecf7c0c]"
    )


def test_validation_error_doc_example() -> None:
    """The documented example gives INVALID_INTEGER and its detail message."""
    exc = fail(answer(400, bodies.VALIDATION_DOC_EXAMPLE))
    assert isinstance(exc, HubSpotRequestError)
    assert exc.error_code == "INVALID_INTEGER"
    assert "discount was not a valid number" in str(exc)


def test_invalid_option_code_is_kept() -> None:
    """An INVALID_OPTION detail is exposed as ``error_code``."""
    body = {
        "status": "error",
        "message": "Property values were not valid",
        "category": "VALIDATION_ERROR",
        "errors": [
            {
                "message": "HIGHEST was not one of the allowed options: [label: High ...]",
                "code": "INVALID_OPTION",
            }
        ],
    }
    exc = fail(answer(400, body))
    assert isinstance(exc, HubSpotRequestError)
    assert exc.error_code == "INVALID_OPTION"


def test_conflict_existing_id() -> None:
    """409 CONFLICT -> HubSpotConflict with the id parsed from the message."""
    exc = fail(answer(409, bodies.CONFLICT))
    assert isinstance(exc, HubSpotConflict)
    assert exc.existing_id == "37765128953"
    assert exc.code == "hubspot_error"
    assert exc.to_dict()["existing_id"] == "37765128953"


def test_conflict_without_id() -> None:
    """A 409 that names no existing id has ``existing_id=None``."""
    exc = fail(answer(409, {"status": "error", "message": "Something clashed"}))
    assert isinstance(exc, HubSpotConflict)
    assert exc.existing_id is None


@pytest.mark.parametrize(
    ("body", "category"),
    [(bodies.OBJECT_NOT_FOUND, "OBJECT_NOT_FOUND"), (bodies.RESOURCE_NOT_FOUND, None)],
)
def test_not_found(body: dict[str, Any], category: str | None) -> None:
    """404 with or without a category -> HubSpotNotFound."""
    exc = fail(answer(404, body), Req("GET", "/crm/v3/objects/contacts/1"))
    assert isinstance(exc, HubSpotNotFound)
    assert exc.category == category
    assert exc.hubspot_message == body["message"]


def test_html_404_maps_cleanly() -> None:
    """An HTML 404 is still HubSpotNotFound, and the HTML is not quoted."""
    headers = {"content-type": "text/html", "x-hubspot-correlation-id": "html-cid"}
    exc = fail(answer(404, headers=headers, content=bodies.HTML_404))
    assert isinstance(exc, HubSpotNotFound)
    assert exc.hubspot_message is None
    assert exc.correlation_id == "html-cid"
    assert "<html" not in str(exc)
    assert str(exc) == (
        "HubSpot found no such object (404): the response had no JSON error body "
        "[correlation id html-cid]"
    )


@pytest.mark.parametrize(
    ("body", "policy"),
    [
        (bodies.RATE_LIMIT_TEN_SECONDLY, "TEN_SECONDLY_ROLLING"),
        (bodies.RATE_LIMIT_SECONDLY, "SECONDLY"),
        (bodies.RATE_LIMIT_DAILY, "DAILY"),
    ],
)
def test_rate_limited_without_retry_after(body: dict[str, Any], policy: str) -> None:
    """429 -> HubSpotRateLimited with the policy name and no ``retry_after``."""
    exc = fail(answer(429, body))
    assert isinstance(exc, HubSpotRateLimited)
    assert exc.code == "hubspot_rate_limited"
    assert exc.retryable is True
    assert exc.policy_name == policy
    assert exc.retry_after is None
    assert exc.category == "RATE_LIMIT"
    assert exc.correlation_id == body["correlationId"]
    assert f"(429 {policy})" in str(exc)


def test_rate_limited_policy_inferred_from_message() -> None:
    """Without ``policyName`` the limit is read from the message, as HubSpot's SDK does."""
    exc = fail(answer(429, {"message": "You have reached your secondly limit."}))
    assert isinstance(exc, HubSpotRateLimited)
    assert exc.policy_name == "SECONDLY"


def test_rate_limited_retry_after_seconds_and_headers() -> None:
    """``Retry-After: 7`` gives 7.0 s; rate-limit headers on the 429 are kept."""
    headers = {
        "Retry-After": "7",
        "X-HubSpot-RateLimit-Max": "110",
        "X-HubSpot-RateLimit-Remaining": "0",
    }
    exc = fail(answer(429, bodies.RATE_LIMIT_TEN_SECONDLY, headers=headers))
    assert isinstance(exc, HubSpotRateLimited)
    assert exc.retry_after == 7.0
    assert exc.rate_limit == RateLimitInfo(max=110, remaining=0, interval_ms=None)
    assert "retry after 7 s" in str(exc)
    assert exc.to_dict()["retry_after"] == 7.0


def test_rate_limited_retry_after_http_date() -> None:
    """``Retry-After`` as an HTTP-date is converted to seconds from the injected clock."""
    headers = {"Retry-After": formatdate(NOW + 30, usegmt=True)}
    exc = fail(answer(429, bodies.RATE_LIMIT_TEN_SECONDLY, headers=headers))
    assert isinstance(exc, HubSpotRateLimited)
    assert exc.retry_after == 30.0


def test_rate_limited_non_json_body() -> None:
    """A plain-text 429 still maps to HubSpotRateLimited."""
    exc = fail(answer(429, content=b"Too Many Requests", headers={"Retry-After": "1"}))
    assert isinstance(exc, HubSpotRateLimited)
    assert exc.retry_after == 1.0
    assert exc.policy_name is None


@pytest.mark.parametrize("status", [500, 502, 503, 521, 522, 523])
def test_server_errors_are_unavailable(status: int) -> None:
    """5xx -> HubSpotUnavailable (not outcome-unknown), retryable."""
    exc = fail(answer(status, content=b"<html>error</html>"))
    assert type(exc) is HubSpotUnavailable
    assert exc.code == "hubspot_unavailable"
    assert exc.retryable is True
    assert exc.status_code == status
    assert exc.retry_after is None


@pytest.mark.parametrize("status", [504, 524])
def test_gateway_timeouts_are_outcome_unknown(status: int) -> None:
    """504/524: HubSpot's edge timed out while the origin may have applied the call."""
    exc = fail(answer(status, content=b""))
    assert type(exc) is HubSpotOutcomeUnknown
    assert isinstance(exc, HubSpotUnavailable)
    assert exc.code == "outcome_unknown"


def test_423_locked_defaults_to_two_seconds() -> None:
    """423 Locked -> unavailable with HubSpot's documented 2 s lock as ``retry_after``."""
    exc = fail(answer(423, {"status": "error", "message": "locked"}))
    assert isinstance(exc, HubSpotUnavailable)
    assert exc.retry_after == 2.0


def test_477_migration_in_progress_honours_retry_after() -> None:
    """477 Migration in Progress -> unavailable with its ``Retry-After`` in seconds."""
    exc = fail(
        answer(477, {"status": "error", "message": "migrating"}, headers={"Retry-After": "3600"})
    )
    assert isinstance(exc, HubSpotUnavailable)
    assert exc.retry_after == 3600.0
    assert exc.to_dict()["hubspot"]["status"] == 477


def test_503_with_retry_after() -> None:
    """A 5xx's ``Retry-After`` is kept."""
    exc = fail(answer(503, headers={"Retry-After": "12"}))
    assert isinstance(exc, HubSpotUnavailable)
    assert exc.retry_after == 12.0


@pytest.mark.parametrize("status", [302, 405, 414, 415])
def test_other_statuses_are_request_errors(status: int) -> None:
    """Other non-2xx statuses (redirects are not followed) are plain request errors."""
    exc = fail(answer(status, headers={"location": "https://elsewhere.example/"}))
    assert type(exc) is HubSpotRequestError
    assert exc.status_code == status


def test_unreadable_2xx_is_outcome_unknown() -> None:
    """A 201 whose body is not JSON: probably applied, result unknown."""
    exc = fail(answer(201, content=b"<html>ok?</html>"))
    assert type(exc) is HubSpotOutcomeUnknown
    assert exc.status_code == 201
    assert "<html" not in str(exc)


@pytest.mark.parametrize(
    "exc_type", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError]
)
def test_nothing_sent_is_unavailable(exc_type: type[httpx.RequestError]) -> None:
    """Failures before the request left -> plain HubSpotUnavailable, chained from httpx's."""
    exc = fail(raising(exc_type, "[Errno 111] Connection refused"))
    assert type(exc) is HubSpotUnavailable
    assert exc.status_code is None
    assert isinstance(exc.__cause__, exc_type)
    assert exc_type.__name__ in str(exc)
    assert "hubspot" not in exc.to_dict()


@pytest.mark.parametrize(
    "exc_type",
    [
        httpx.ReadTimeout,
        httpx.WriteTimeout,
        httpx.ReadError,
        httpx.WriteError,
        httpx.RemoteProtocolError,
        httpx.CloseError,
        httpx.DecodingError,
    ],
)
def test_after_sending_is_outcome_unknown(exc_type: type[httpx.RequestError]) -> None:
    """Failures once the request may have reached HubSpot -> HubSpotOutcomeUnknown."""
    exc = fail(raising(exc_type, "Server disconnected without sending a response."))
    assert type(exc) is HubSpotOutcomeUnknown
    assert exc.code == "outcome_unknown"
    assert exc.retryable is True
    assert isinstance(exc.__cause__, exc_type)


@pytest.mark.parametrize("exc_type", [httpx.UnsupportedProtocol, httpx.LocalProtocolError])
def test_unsendable_is_a_request_error(exc_type: type[httpx.RequestError]) -> None:
    """A request that cannot be sent at all is a non-retryable request error."""
    exc = fail(raising(exc_type, "Illegal header value b'Bearer x'"))
    assert type(exc) is HubSpotRequestError
    assert exc.retryable is False
    assert "Illegal header" not in str(exc)


def test_read_timeout_while_reading_the_body_is_outcome_unknown() -> None:
    """A timeout in the middle of the response body is caught at the same boundary."""

    class Stalled(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b'{"id": '
            raise httpx.ReadTimeout("timed out")

    exc = fail(lambda request: httpx.Response(201, stream=Stalled()))
    assert type(exc) is HubSpotOutcomeUnknown
