"""Errors of the Python API: the API's stable error code, its message and details."""

from __future__ import annotations

from typing import Any

import httpx


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
