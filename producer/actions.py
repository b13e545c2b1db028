"""``Actions``: the Python API users copy from the docs (DESIGN.md section 5).

    actions = Actions.from_env()                                  # in-process (store + broker)
    actions = Actions(base_url="http://...", api_key="hak_...")   # over HTTP

Both modes behave the same and pass the same tests: the in-process backend calls the services the
HTTP API calls, the HTTP backend calls the HTTP API. ``execute_tool`` submits, waits and returns
HubSpot's JSON, or raises ``ToolError`` carrying the stable code, whether a retry can help, and a
freshly minted re-authorization link when the user must act.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from core.errors import HubSpotActionsError
from producer.backends import Backend, HttpBackend, InProcessBackend
from producer.errors import ActionsError, ToolError
from schemas.accounts import HUBSPOT_CONNECTION, AccountStatus, ConnectedAccountView
from schemas.jobs import JobStatus, JobView, Lane

#: Codes for which the user must (re-)authorize: a ToolError with them carries a fresh link.
REAUTH_CODES = frozenset(
    {"account_pending", "account_revoked", "account_disconnected", "missing_scopes"}
)
#: How long ``execute_tool`` waits by default before giving up on a job (seconds).
DEFAULT_EXECUTE_TIMEOUT = 120.0


class AccountResponse(BaseModel):
    connected_account: ConnectedAccountView


class AccountList(BaseModel):
    connected_accounts: list[ConnectedAccountView]
    next_after: str | None


class AuthorizationLinkResponse(BaseModel):
    link: str
    expires_at: datetime


class Actions:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        backend: Backend | None = None,
        timeout: float = 60.0,
    ) -> None:
        if backend is None:
            if not base_url or not api_key:
                raise ValueError("Actions(base_url=..., api_key=...) or Actions.from_env()")
            backend = HttpBackend(base_url=base_url, api_key=api_key, timeout=timeout)
        self.backend = backend

    @classmethod
    def from_env(cls) -> Actions:
        """In-process: uses the database and Redis named by the environment's settings."""
        return cls(backend=InProcessBackend.from_env())

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Actions:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- accounts -------------------------------------------------------------------------

    def get_or_create_connected_account(
        self, *, connection_name: str = HUBSPOT_CONNECTION, identifier: str
    ) -> AccountResponse:
        body = self.backend.get_or_create_account(connection_name, identifier)
        return AccountResponse.model_validate(body)

    def get_connected_account(
        self, *, connection_name: str = HUBSPOT_CONNECTION, identifier: str
    ) -> AccountResponse:
        return AccountResponse.model_validate(self.backend.get_account(connection_name, identifier))

    def list_connected_accounts(
        self,
        *,
        status: AccountStatus | str | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> AccountList:
        status_value = AccountStatus(status) if status else None
        return AccountList.model_validate(self.backend.list_accounts(status_value, limit, after))

    def delete_connected_account(
        self, *, connection_name: str = HUBSPOT_CONNECTION, identifier: str
    ) -> AccountResponse:
        return AccountResponse.model_validate(
            self.backend.delete_account(connection_name, identifier)
        )

    def get_authorization_link(
        self,
        *,
        connection_name: str = HUBSPOT_CONNECTION,
        identifier: str,
        return_url: str | None = None,
    ) -> AuthorizationLinkResponse:
        body = self.backend.authorization_link(connection_name, identifier, return_url)
        return AuthorizationLinkResponse.model_validate(body)

    # -- tools and jobs -------------------------------------------------------------------

    def list_tools(
        self, *, identifier: str | None = None, connection_name: str = HUBSPOT_CONNECTION
    ) -> list[dict[str, Any]]:
        """The tool catalog; with ``identifier``, its enums are that account's portal options."""
        tools: list[dict[str, Any]] = self.backend.list_tools(connection_name, identifier)["tools"]
        return tools

    def submit_tool(
        self,
        *,
        identifier: str,
        tool_name: str,
        tool_input: dict[str, Any],
        connection_name: str = HUBSPOT_CONNECTION,
        idempotency_key: str | None = None,
        run_at: datetime | None = None,
        lane: Lane | str = Lane.INTERACTIVE,
        metadata: dict[str, Any] | None = None,
    ) -> JobView:
        """Queue a tool run; returns the job at once (``get_job(id, wait=...)`` to follow it).

        ``metadata`` (a JSON object, at most 4 KiB) is echoed in the job and its webhook events.
        """
        payload = _submit_payload(
            identifier=identifier,
            tool_name=tool_name,
            tool_input=tool_input,
            connection_name=connection_name,
            idempotency_key=idempotency_key,
            run_at=run_at,
            lane=lane,
        )
        if metadata is not None:
            payload["metadata"] = metadata
        try:
            body = self.backend.submit_job(payload)
        except ActionsError as exc:
            raise self._tool_error(
                exc.code, exc.message, identifier, connection_name, exc.details
            ) from None
        return JobView.model_validate(body["job"])

    def submit_tools(self, submissions: Iterable[Mapping[str, Any]]) -> list[JobView | ToolError]:
        """Queue any number of tool runs, 100 per call (DESIGN section 12); in order, each the
        accepted job or the ``ToolError`` that refused it (others still go: bulk work is not
        stopped by one bad record).

        Each submission is a ``POST /v1/jobs`` body: ``identifier``, ``tool_name``,
        ``tool_input``, and optionally ``connection_name``, ``idempotency_key``, ``run_at``,
        ``lane`` (default ``bulk``) and ``metadata``. In-process, every 100 are stored in one
        transaction and enqueued in one pipeline.
        """
        out: list[JobView | ToolError] = []
        chunk: list[dict[str, Any]] = []
        for submission in submissions:
            chunk.append(_bulk_payload(submission))
            if len(chunk) == MAX_SUBMIT_BATCH:
                out += self._submit_chunk(chunk)
                chunk = []
        if chunk:
            out += self._submit_chunk(chunk)
        return out

    def _submit_chunk(self, chunk: list[dict[str, Any]]) -> list[JobView | ToolError]:
        answers = self.backend.submit_jobs(chunk)["jobs"]
        results: list[JobView | ToolError] = []
        for payload, answer in zip(chunk, answers, strict=True):
            if "error" in answer and "id" not in answer:
                error = dict(answer["error"])
                code, message = str(error.pop("code")), str(error.pop("message"))
                results.append(
                    self._tool_error(
                        code,
                        message,
                        str(payload.get("identifier")),
                        str(payload.get("connection_name") or HUBSPOT_CONNECTION),
                        error,
                    )
                )
            else:
                results.append(JobView.model_validate(answer))
        return results

    def get_job(self, job_id: str, *, wait: float = 0.0) -> JobView:
        return JobView.model_validate(self.backend.get_job(job_id, wait)["job"])

    def execute_tool(
        self,
        *,
        identifier: str,
        tool_name: str,
        tool_input: dict[str, Any],
        connection_name: str = HUBSPOT_CONNECTION,
        timeout: float = DEFAULT_EXECUTE_TIMEOUT,
        idempotency_key: str | None = None,
    ) -> Any:
        """Run a tool and return HubSpot's JSON; ``ToolError`` when it fails."""
        job = self.submit_tool(
            identifier=identifier,
            tool_name=tool_name,
            tool_input=tool_input,
            connection_name=connection_name,
            idempotency_key=idempotency_key,
        )
        deadline = time.monotonic() + timeout
        while not job.status.is_terminal:
            try:
                job = self.get_job(job.id, wait=_next_wait(job, deadline, timeout))
            except ActionsError as exc:
                raise _waiting_error(exc, job) from exc
        if job.status == JobStatus.SUCCEEDED:
            return job.result
        raise self._job_error(job, identifier, connection_name)

    # -- the same, for asyncio -------------------------------------------------------------

    async def asubmit_tool(
        self,
        *,
        identifier: str,
        tool_name: str,
        tool_input: dict[str, Any],
        connection_name: str = HUBSPOT_CONNECTION,
        idempotency_key: str | None = None,
        run_at: datetime | None = None,
        lane: Lane | str = Lane.INTERACTIVE,
    ) -> JobView:
        """``submit_tool`` without blocking the event loop."""
        payload = _submit_payload(
            identifier=identifier,
            tool_name=tool_name,
            tool_input=tool_input,
            connection_name=connection_name,
            idempotency_key=idempotency_key,
            run_at=run_at,
            lane=lane,
        )
        try:
            body = await self.backend.asubmit_job(payload)
        except ActionsError as exc:
            error = await asyncio.to_thread(
                self._tool_error, exc.code, exc.message, identifier, connection_name, exc.details
            )
            raise error from None
        return JobView.model_validate(body["job"])

    async def aget_job(self, job_id: str, *, wait: float = 0.0) -> JobView:
        """``get_job`` without blocking the event loop: the long-poll suspends."""
        return JobView.model_validate((await self.backend.aget_job(job_id, wait))["job"])

    async def aexecute_tool(
        self,
        *,
        identifier: str,
        tool_name: str,
        tool_input: dict[str, Any],
        connection_name: str = HUBSPOT_CONNECTION,
        timeout: float = DEFAULT_EXECUTE_TIMEOUT,  # noqa: ASYNC109 - as execute_tool: ToolError("timeout") names the job
        idempotency_key: str | None = None,
    ) -> Any:
        """``execute_tool`` for asyncio: other coroutines run while the job does."""
        job = await self.asubmit_tool(
            identifier=identifier,
            tool_name=tool_name,
            tool_input=tool_input,
            connection_name=connection_name,
            idempotency_key=idempotency_key,
        )
        deadline = time.monotonic() + timeout
        while not job.status.is_terminal:
            try:
                job = await self.aget_job(job.id, wait=_next_wait(job, deadline, timeout))
            except ActionsError as exc:
                raise _waiting_error(exc, job) from exc
        if job.status == JobStatus.SUCCEEDED:
            return job.result
        raise await asyncio.to_thread(self._job_error, job, identifier, connection_name)

    def _job_error(self, job: JobView, identifier: str, connection_name: str) -> ToolError:
        error = job.error
        code = error.code if error else job.status.value
        message = error.message if error else f"job {job.status.value}"
        details = error.model_dump(exclude={"code", "message"}) if error else {}
        details["job_id"] = job.id
        return self._tool_error(code, message, identifier, connection_name, details)

    def _tool_error(
        self,
        code: str,
        message: str,
        identifier: str,
        connection_name: str,
        details: dict[str, Any],
    ) -> ToolError:
        details = dict(details)
        retryable = bool(details.pop("retryable", False))
        details.pop("reauth_link", None)
        link = None
        if code in REAUTH_CODES:
            # A fresh link, minted now: the one stored with the job may have expired.
            try:
                link = self.get_authorization_link(
                    connection_name=connection_name, identifier=identifier
                ).link
            except (ActionsError, HubSpotActionsError):
                link = None
        return ToolError(code, message, retryable=retryable, reauth_link=link, **details)


#: Submissions per batch call (``POST /v1/jobs/batch`` takes at most 100).
MAX_SUBMIT_BATCH = 100


def _bulk_payload(submission: Mapping[str, Any]) -> dict[str, Any]:
    """A submission as the batch API takes it: ``bulk`` lane unless it names one, ISO run_at."""
    payload = dict(submission)
    payload.setdefault("lane", Lane.BULK.value)
    if isinstance(payload.get("run_at"), datetime):
        payload["run_at"] = payload["run_at"].isoformat()
    return payload


def _submit_payload(
    *,
    identifier: str,
    tool_name: str,
    tool_input: dict[str, Any],
    connection_name: str,
    idempotency_key: str | None,
    run_at: datetime | None,
    lane: Lane | str,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "identifier": identifier,
        "connection_name": connection_name,
        "tool_name": tool_name,
        "tool_input": tool_input,
        "lane": Lane(lane).value,
    }
    if idempotency_key is not None:
        payload["idempotency_key"] = idempotency_key
    if run_at is not None:
        payload["run_at"] = run_at.isoformat()
    return payload


def _waiting_error(exc: ActionsError, job: JobView) -> ToolError:
    """Following a submitted job failed (the API unreachable, a proxy's 502): the job may still
    run, so the error names it."""
    if isinstance(exc, ToolError):
        return exc
    details = {k: v for k, v in exc.details.items() if k not in ("retryable", "job_id")}
    return ToolError(exc.code, exc.message, retryable=exc.retryable, job_id=job.id, **details)


def _next_wait(job: JobView, deadline: float, timeout: float) -> float:
    """How long the next long-poll may wait; ``ToolError("timeout")`` once the time is up."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ToolError(
            "timeout",
            f"job {job.id} did not finish within {timeout:g}s; it is still {job.status}",
            retryable=True,
            job_id=job.id,
        )
    return min(remaining, 30.0)
