"""The root of every error this project raises on purpose, and the errors shared by all packages.

Each error carries a stable ``code`` (DESIGN.md section 6), whether a caller may retry, and the
HTTP status the API answers with. Errors never carry secrets: messages name ids, never tokens.

    HubSpotActionsError                 code            retry  http
    +-- ConfigurationError              configuration   no     500
    +-- InvalidRequest                  invalid_request no     422
    |   +-- InvalidToolInput            invalid_tool_input
    |   +-- UnknownTool                 unknown_tool
    +-- ConnectionNotFound              connection_not_found   404
    +-- AccountNotFound                 account_not_found      404
    +-- AccountUnavailable              (account's code)       409
    |   +-- AccountPending              account_pending
    |   +-- AccountRevoked              account_revoked
    |   +-- AccountDisconnected         account_disconnected
    +-- MissingScopes                   missing_scopes         409
    +-- JobNotFound                     job_not_found          404
    +-- JobConflict                     job_conflict           409
    |   +-- IdempotencyConflict         idempotency_conflict
    +-- ServiceUnavailable              service_unavailable yes 503
    store.errors, hubspot_client.errors, worker.errors and worker.refresh.errors extend this
    tree in their own packages (each errors.py draws its part).
"""

from __future__ import annotations

from typing import Any, ClassVar


class HubSpotActionsError(Exception):
    """Root of the tree. ``code`` and ``retryable`` are what a job's ``error`` records."""

    code: ClassVar[str] = "internal_error"
    http_status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The ``{"code", "message", ...}`` body of an API error or a job error."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        body.update({k: v for k, v in self.details.items() if v is not None})
        body.setdefault("retryable", self.retryable)
        return body


class ConfigurationError(HubSpotActionsError):
    """A setting is missing or malformed; the message names the environment variable."""

    code = "configuration_error"


class InvalidRequest(HubSpotActionsError):
    """A request's parameters are malformed (an identifier, a return URL, a body); the message
    says which."""

    code = "invalid_request"
    http_status = 422


class InvalidToolInput(InvalidRequest):
    """A job's tool input does not validate against the tool's schema, or is not JSON at all."""

    code = "invalid_tool_input"


class UnknownTool(InvalidRequest):
    """A job or an MCP session names a tool that does not exist; the message lists the real ones."""

    code = "unknown_tool"


class ConnectionNotFound(HubSpotActionsError):
    """The request names a connection this deployment does not serve."""

    code = "connection_not_found"
    http_status = 404


class AccountNotFound(HubSpotActionsError):
    """No connected account under that identifier (or id)."""

    code = "account_not_found"
    http_status = 404


class AccountUnavailable(HubSpotActionsError):
    """The account exists but cannot run jobs; the caller must (re-)authorize it."""

    http_status = 409


class AccountPending(AccountUnavailable):
    """The account was created but its user has not completed the consent yet."""

    code = "account_pending"


class AccountRevoked(AccountUnavailable):
    """HubSpot revoked the grant (app uninstalled or access removed)."""

    code = "account_revoked"


class AccountDisconnected(AccountUnavailable):
    """The account was disconnected through the API."""

    code = "account_disconnected"


class MissingScopes(HubSpotActionsError):
    """The grant lacks scopes the connection or a tool requires (``missing_scopes`` lists them)."""

    code = "missing_scopes"
    http_status = 409


class JobNotFound(HubSpotActionsError):
    """No job under that id."""

    code = "job_not_found"
    http_status = 404


class JobConflict(HubSpotActionsError):
    """A job's state forbids the request (retrying a job that did not fail, cancelling a
    finished one)."""

    code = "job_conflict"
    http_status = 409


class IdempotencyConflict(JobConflict):
    """An ``idempotency_key`` already used for another payload (``job_id`` names that job)."""

    code = "idempotency_conflict"


class ServiceUnavailable(HubSpotActionsError):
    """A backing service (database, Redis) is down; the request may be retried."""

    code = "service_unavailable"
    http_status = 503
    retryable = True
