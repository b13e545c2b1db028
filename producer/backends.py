"""The two ways ``Actions`` reaches the system: in-process services, or the HTTP API.

Both implement ``Backend``, one method per operation, and return the same JSON-shaped bodies
(the HTTP API's responses), so ``Actions`` has one implementation and the two modes cannot drift
apart. Failures come out as ``ActionsError`` with the API's error code in both; an answer that is
not the API's JSON (an HTML 502 from a proxy in between) is one too, ``retryable`` when 5xx.

The blocking operations that agents run concurrently (submitting, long-polling a job) have async
twins. Over HTTP both build the same request (``_Request``) and differ only in the client that
sends it; in-process the async twin runs the sync method on a thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import httpx

from core.errors import HubSpotActionsError
from producer.errors import ActionsError
from schemas.accounts import AccountStatus

if TYPE_CHECKING:
    from producer.services import Services
    from producer.waiting import JobWaiter

Body = dict[str, Any]

#: Longest long-poll the API grants (``GET /v1/jobs/{id}?wait=``); longer waits are clamped.
MAX_WAIT_S = 30.0


class Backend(Protocol):
    def get_or_create_account(self, connection_name: str, identifier: str) -> Body: ...

    def get_account(self, connection_name: str, identifier: str) -> Body: ...

    def list_accounts(
        self, status: AccountStatus | None, limit: int, after: str | None
    ) -> Body: ...

    def delete_account(self, connection_name: str, identifier: str) -> Body: ...

    def authorization_link(
        self, connection_name: str, identifier: str, return_url: str | None
    ) -> Body: ...

    def list_tools(
        self, connection_name: str | None = None, identifier: str | None = None
    ) -> Body: ...

    def submit_job(self, payload: Body) -> Body: ...

    def submit_jobs(self, payloads: list[Body]) -> Body:
        """At most 100 submissions at once: ``{"jobs": [job view or {"error"}, ...]}``."""
        ...

    def get_job(self, job_id: str, wait: float) -> Body: ...

    async def asubmit_job(self, payload: Body) -> Body:
        """``submit_job`` without blocking the event loop (agents run tools concurrently)."""
        ...

    async def aget_job(self, job_id: str, wait: float) -> Body:
        """``get_job`` whose long-poll suspends instead of blocking."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    options: dict[str, Any] = field(default_factory=dict)


class HttpBackend:
    def __init__(self, *, base_url: str, api_key: str, timeout: float = 60.0) -> None:
        self._options: dict[str, Any] = {
            "base_url": base_url.rstrip("/"),
            "headers": {"Authorization": f"Bearer {api_key}"},
            "timeout": httpx.Timeout(timeout, connect=10.0),
        }
        self.http = httpx.Client(**self._options)

    def close(self) -> None:
        self.http.close()

    def _send(self, request: _Request) -> Body:
        return _answer(self.http.request(request.method, request.path, **request.options))

    async def _asend(self, request: _Request) -> Body:
        """A client per call: async clients belong to the event loop that first used them, and a
        caller may run several loops (``asyncio.run`` per request) over one ``Actions``."""
        async with httpx.AsyncClient(**self._options) as client:
            return _answer(await client.request(request.method, request.path, **request.options))

    def get_or_create_account(self, connection_name: str, identifier: str) -> Body:
        body = {"connection_name": connection_name, "identifier": identifier}
        return self._send(_Request("POST", "/v1/connected-accounts", {"json": body}))

    def get_account(self, connection_name: str, identifier: str) -> Body:
        return self._send(_Request("GET", _account_path(connection_name, identifier)))

    def list_accounts(self, status: AccountStatus | None, limit: int, after: str | None) -> Body:
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status.value
        if after:
            params["after"] = after
        return self._send(_Request("GET", "/v1/connected-accounts", {"params": params}))

    def delete_account(self, connection_name: str, identifier: str) -> Body:
        return self._send(_Request("DELETE", _account_path(connection_name, identifier)))

    def authorization_link(
        self, connection_name: str, identifier: str, return_url: str | None
    ) -> Body:
        body: dict[str, Any] = {"connection_name": connection_name, "identifier": identifier}
        if return_url:
            body["return_url"] = return_url
        return self._send(_Request("POST", "/v1/authorization-links", {"json": body}))

    def list_tools(self, connection_name: str | None = None, identifier: str | None = None) -> Body:
        if identifier is None:
            return self._send(_Request("GET", "/v1/tools"))
        params = {"identifier": identifier, "connection_name": connection_name or "hubspot"}
        return self._send(_Request("GET", "/v1/tools", {"params": params}))

    def submit_job(self, payload: Body) -> Body:
        return self._send(_submit_request(payload))

    def submit_jobs(self, payloads: list[Body]) -> Body:
        return self._send(_Request("POST", "/v1/jobs/batch", {"json": {"jobs": payloads}}))

    async def asubmit_job(self, payload: Body) -> Body:
        return await self._asend(_submit_request(payload))

    def get_job(self, job_id: str, wait: float) -> Body:
        return self._send(_job_request(job_id, wait))

    async def aget_job(self, job_id: str, wait: float) -> Body:
        return await self._asend(_job_request(job_id, wait))


def _submit_request(payload: Body) -> _Request:
    return _Request("POST", "/v1/jobs", {"json": payload})


def _job_request(job_id: str, wait: float) -> _Request:
    timeout = httpx.Timeout(max(60.0, wait + 10.0), connect=10.0)
    return _Request("GET", f"/v1/jobs/{job_id}", {"params": {"wait": wait}, "timeout": timeout})


def _answer(response: httpx.Response) -> Body:
    """The API's JSON object, or the ``ActionsError`` its answer stands for."""
    try:
        body = response.json() if response.content else {}
    except (ValueError, UnicodeDecodeError):
        body = None
    if response.is_success and isinstance(body, dict):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        raise _not_the_api(response)
    details = dict(error)
    code = str(details.pop("code", f"http_{response.status_code}"))
    message = str(details.pop("message", response.text[:200]))
    raise ActionsError(code, message, status=response.status_code, **details)


def _not_the_api(response: httpx.Response) -> ActionsError:
    """An answer without the API's error body: most often a proxy's HTML page (502, 504)."""
    status = response.status_code
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    return ActionsError(
        f"http_{status}",
        f"the hubspot-actions API answered {status} {response.reason_phrase} with a {kind} "
        "body, not its JSON (a proxy or load balancer in between?)",
        status=status,
        retryable=status >= 500 or status == 429,
    )


def _account_path(connection_name: str, identifier: str) -> str:
    """Identifiers may hold ``#``, ``?``, ``%`` or be ``..``: each segment is encoded whole
    (dots too, or ``..`` would be resolved away as a relative path segment)."""
    return f"/v1/connected-accounts/{_segment(connection_name)}/{_segment(identifier)}"


def _segment(value: str) -> str:
    return quote(value, safe="").replace(".", "%2E")


class InProcessBackend:
    """Calls the services directly (the process needs database and Redis settings)."""

    def __init__(self, services: Services, waiter: JobWaiter) -> None:
        self.services = services
        self.waiter = waiter

    @classmethod
    def from_env(cls) -> InProcessBackend:
        from broker.redis_broker import redis_client
        from core.settings import load_local_settings
        from producer.services import Services
        from producer.waiting import JobWaiter

        services = Services.from_settings(load_local_settings())
        url = services.ctx.settings.require_redis_url("Actions.from_env()")
        return cls(services, JobWaiter(lambda: redis_client(url)))

    def close(self) -> None:
        self.waiter.close()
        self.services.ctx.close()

    def _account(self, record: Any) -> Body:
        return {"connected_account": self.services.accounts.view(record).model_dump(mode="json")}

    def get_or_create_account(self, connection_name: str, identifier: str) -> Body:
        with _as_actions_error():
            record = self.services.accounts.get_or_create(
                connection_name=connection_name, identifier=identifier
            )
            return self._account(record)

    def get_account(self, connection_name: str, identifier: str) -> Body:
        with _as_actions_error():
            record = self.services.accounts.get(
                connection_name=connection_name, identifier=identifier
            )
            return self._account(record)

    def list_accounts(self, status: AccountStatus | None, limit: int, after: str | None) -> Body:
        with _as_actions_error():
            records, next_after = self.services.accounts.list_page(
                status=status, limit=limit, after=after
            )
            views = [self.services.accounts.view(r).model_dump(mode="json") for r in records]
            return {"connected_accounts": views, "next_after": next_after}

    def delete_account(self, connection_name: str, identifier: str) -> Body:
        with _as_actions_error():
            record = self.services.accounts.delete(
                connection_name=connection_name, identifier=identifier
            )
            return self._account(record)

    def authorization_link(
        self, connection_name: str, identifier: str, return_url: str | None
    ) -> Body:
        accounts = self.services.accounts
        with _as_actions_error():
            link = accounts.authorization_link(
                connection_name=connection_name,
                identifier=identifier,
                return_url=accounts.checked_return_url(return_url),
            )
            return {"link": link.link, "expires_at": link.expires_at.isoformat()}

    def list_tools(self, connection_name: str | None = None, identifier: str | None = None) -> Body:
        from schemas.tools import tool_catalog

        if identifier is None:
            return {"tools": tool_catalog()}
        return {"tools": self.services.jobs.tool_catalog(connection_name or "hubspot", identifier)}

    def submit_job(self, payload: Body) -> Body:
        from producer.jobs import parse_submit
        from producer.views import job_view

        with _as_actions_error():
            submitted = self.services.jobs.submit(parse_submit(payload))
            return {"job": job_view(submitted.job).model_dump(mode="json")}

    def submit_jobs(self, payloads: list[Body]) -> Body:
        """One transaction for the valid ones and one pipelined enqueue (``submit_batch``)."""
        from producer.views import job_view

        with _as_actions_error():
            results = self.services.jobs.submit_batch(payloads)
        return {
            "jobs": [
                {"error": r.to_dict()}
                if isinstance(r, HubSpotActionsError)
                else job_view(r.job).model_dump(mode="json")
                for r in results
            ]
        }

    async def asubmit_job(self, payload: Body) -> Body:
        """The in-process services are synchronous (SQL, Redis): run them on a thread."""
        return await asyncio.to_thread(self.submit_job, payload)

    def get_job(self, job_id: str, wait: float) -> Body:
        from producer.views import job_view

        jobs = self.services.jobs
        with _as_actions_error():
            job = self.waiter.wait_for(
                job_id,
                seconds=min(wait, MAX_WAIT_S),
                read=lambda: jobs.get(job_id),
                done=lambda j: j.status.is_terminal,
            )
            return {"job": job_view(job).model_dump(mode="json")}

    async def aget_job(self, job_id: str, wait: float) -> Body:
        return await asyncio.to_thread(self.get_job, job_id, wait)


@contextmanager
def _as_actions_error() -> Iterator[None]:
    """Turns the services' errors into ``ActionsError``, as the HTTP API's answers would be."""
    try:
        yield
    except HubSpotActionsError as exc:
        details = exc.to_dict()
        code, message = details.pop("code"), details.pop("message")
        raise ActionsError(code, message, status=exc.http_status, **details) from exc
