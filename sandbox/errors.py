"""HubSpot-shaped error answers, raised by handlers and rendered by the app.

Every body here follows a captured or documented HubSpot body (``hubspot-facts.md`` section 2 and
1.5); the correlation id is filled in when the error is rendered, so one request has one id in
its body and in its ``x-hubspot-correlation-id`` header.

    SandboxError              render(correlation_id) -> Response
    +-- ApiError              CRM error body: status/message/correlationId/category/...
    +-- RateLimited           429 body: errorType RATE_LIMIT, policyName, requestId
    +-- OAuthError            token-endpoint body: v1 {status, message}; v3 adds error/description
    +-- ControlError          control API: {"error": ..., "code": ...}
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from sandbox.http import Response, json_response

AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can"
    " find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
SCOPES_MESSAGE = (
    "This app hasn't been granted all required scopes to make this call. Read more about required"
    " scopes here: https://developers.hubspot.com/scopes."
)
SCOPES_LINK = "https://developers.hubspot.com/scopes"


class SandboxError(Exception):
    """Root: an answer other than success, decided inside a handler or a guard."""

    status = 500

    def render(self, correlation_id: str) -> Response:
        """The full response for this error."""
        raise NotImplementedError


class ApiError(SandboxError):
    """HubSpot's general error body; ``category`` is omitted where HubSpot omits it (404)."""

    def __init__(
        self,
        status: int,
        message: str,
        category: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, list[str]] | None = None,
        links: dict[str, str] | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category
        self.errors = errors
        self.context = context
        self.links = links
        self.headers = headers or []

    def body(self, correlation_id: str) -> dict[str, Any]:
        """The JSON body, keys in the order HubSpot's captures show them."""
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        if self.links is not None:
            body["links"] = self.links
        if self.category is not None:
            body["category"] = self.category
        if self.context is not None:
            body["context"] = self.context
        return body

    def render(self, correlation_id: str) -> Response:
        response = json_response(self.status, self.body(correlation_id))
        for name, value in self.headers:
            response.add_header(name, value)
        return response


Policy = Literal["TEN_SECONDLY_ROLLING", "SECONDLY"]
_POLICY_MESSAGES = {
    "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
    "SECONDLY": "You have reached your secondly limit.",
}


class RateLimited(SandboxError):
    """429 with HubSpot's rate-limit body (facts 2.8); headers are added by the caller."""

    status = 429

    def __init__(self, policy: Policy, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(policy)
        self.policy = policy
        self.headers = headers or []

    def render(self, correlation_id: str) -> Response:
        response = json_response(
            429,
            {
                "status": "error",
                "message": _POLICY_MESSAGES[self.policy],
                "errorType": "RATE_LIMIT",
                "correlationId": correlation_id,
                "policyName": self.policy,
                "requestId": str(uuid.uuid4()),
            },
        )
        for name, value in self.headers:
            response.add_header(name, value)
        return response


class OAuthError(SandboxError):
    """A token-endpoint refusal (HTTP 400 unless said otherwise).

    ``legacy`` selects the v1 body ``{"status", "message"}`` (facts 1.5, nango.dev); otherwise the
    standardized v3 body adds RFC 6749's ``error`` and ``error_description``.
    """

    def __init__(
        self,
        hubspot_status: str,
        error: str,
        description: str,
        *,
        legacy_message: str | None = None,
        status: int = 400,
    ) -> None:
        super().__init__(hubspot_status)
        self.status = status
        self.hubspot_status = hubspot_status
        self.error = error
        self.description = description
        self.legacy_message = legacy_message or description
        self.legacy = False

    def render(self, correlation_id: str) -> Response:
        if self.legacy:
            return json_response(
                self.status, {"status": self.hubspot_status, "message": self.legacy_message}
            )
        return json_response(
            self.status,
            {
                "error": self.error,
                "error_description": self.description,
                "status": self.hubspot_status,
                "message": self.description,
            },
        )


class ControlError(SandboxError):
    """A control-API refusal: ``{"error": message, "code": code}``."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code

    def render(self, correlation_id: str) -> Response:
        return json_response(self.status, {"error": self.message, "code": self.code})


def invalid_authentication() -> ApiError:
    """401 for a missing, unknown or killed token (facts 2.3)."""
    return ApiError(
        401,
        AUTH_MESSAGE,
        "INVALID_AUTHENTICATION",
        headers=[("x-hubspot-auth-failure", "401 Unauthorized")],
    )


def expired_authentication(seconds_ago: float, expire_time: str) -> ApiError:
    """401 for an expired token, with HubSpot's coarse "N unit(s) ago" wording (facts 2.2)."""
    return ApiError(
        401,
        f"The OAuth token used to make this call expired {_ago(seconds_ago)} ago.",
        "EXPIRED_AUTHENTICATION",
        context={"expire time": [expire_time]},
        headers=[("x-hubspot-auth-failure", "401 Unauthorized")],
    )


def _ago(seconds: float) -> str:
    """Seconds under an hour, then hours, then days: captures show "75 second(s)", "5 hour(s)",
    "19884 day(s)" (the exact thresholds are UNCONFIRMED)."""
    whole = int(seconds)
    if whole < 3600:
        return f"{whole} second(s)"
    if whole < 86400:
        return f"{whole // 3600} hour(s)"
    return f"{whole // 86400} day(s)"


def missing_scopes(accepted: list[str]) -> ApiError:
    """403 naming the scopes any one of which would do (facts 2.4)."""
    return ApiError(
        403,
        SCOPES_MESSAGE,
        "MISSING_SCOPES",
        errors=[
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": accepted},
            }
        ],
        links={"scopes": SCOPES_LINK},
    )


def resource_not_found() -> ApiError:
    """404 for a numeric id that does not exist: no category, as captured (facts 2.7)."""
    return ApiError(404, "resource not found")


def object_not_found(raw_id: str) -> ApiError:
    """404 for a non-numeric id given without ``idProperty`` (two spaces after "found.")."""
    return ApiError(
        404,
        "Object not found.  objectId are usually numeric.",
        "OBJECT_NOT_FOUND",
        context={"id": [raw_id]},
    )


def validation_error(message: str, errors: list[dict[str, Any]] | None = None) -> ApiError:
    """400 ``VALIDATION_ERROR`` with optional ``errors[]`` details."""
    return ApiError(400, message, "VALIDATION_ERROR", errors=errors)


def invalid_json(exc: ValueError) -> ApiError:
    """400 for a body that is not JSON (HubSpot answers VALIDATION_ERROR; wording UNCONFIRMED)."""
    return validation_error(f"Invalid input JSON: {exc}")
