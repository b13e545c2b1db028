"""The two ways ``Actions`` reaches the system: in-process services, or the HTTP API.

Both expose the same operations by name and return the same JSON-shaped bodies (the HTTP API's
responses), so ``Actions`` has one implementation and the two modes cannot drift apart.
Failures come out as ``ActionsError`` with the API's error code in both.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import httpx

from core.errors import HubSpotActionsError
from producer.errors import ActionsError
from schemas.accounts import AccountStatus

if TYPE_CHECKING:
    from producer.services import Services
    from producer.waiting import ThreadedJobWaiter


class Backend(Protocol):
    def call(self, operation: str, *args: Any) -> Any: ...

    async def acall(self, operation: str, *args: Any) -> Any:
        """``call`` without blocking the event loop (agents run tools concurrently)."""
        ...

    def close(self) -> None: ...


def _actions_error(
    code: str, message: str, status: int | None, details: dict[str, Any]
) -> ActionsError:
    return ActionsError(code, message, status=status, **details)


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

    def call(self, operation: str, *args: Any) -> Any:
        method, path, kwargs = getattr(self, f"_{operation}")(*args)
        return self._body(self.http.request(method, path, **kwargs))

    async def acall(self, operation: str, *args: Any) -> Any:
        """The same call on an ``httpx.AsyncClient``: a long-poll suspends, it never blocks.

        A client per call: async clients belong to the event loop that first used them, and a
        caller may run several loops (``asyncio.run`` per request) over one ``Actions``.
        """
        method, path, kwargs = getattr(self, f"_{operation}")(*args)
        async with httpx.AsyncClient(**self._options) as client:
            return self._body(await client.request(method, path, **kwargs))

    @staticmethod
    def _body(response: httpx.Response) -> Any:
        body = response.json() if response.content else {}
        if response.is_success:
            return body
        error = body.get("error", {}) if isinstance(body, dict) else {}
        code = str(error.pop("code", f"http_{response.status_code}"))
        message = str(error.pop("message", response.text[:200]))
        raise _actions_error(code, message, response.status_code, error)

    @staticmethod
    def _get_or_create_account(connection_name: str, identifier: str) -> Any:
        body = {"connection_name": connection_name, "identifier": identifier}
        return "POST", "/v1/connected-accounts", {"json": body}

    @staticmethod
    def _get_account(connection_name: str, identifier: str) -> Any:
        return "GET", _account_path(connection_name, identifier), {}

    @staticmethod
    def _list_accounts(status: AccountStatus | None, limit: int, after: str | None) -> Any:
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status.value
        if after:
            params["after"] = after
        return "GET", "/v1/connected-accounts", {"params": params}

    @staticmethod
    def _delete_account(connection_name: str, identifier: str) -> Any:
        return "DELETE", _account_path(connection_name, identifier), {}

    @staticmethod
    def _authorization_link(connection_name: str, identifier: str, return_url: str | None) -> Any:
        body: dict[str, Any] = {"connection_name": connection_name, "identifier": identifier}
        if return_url:
            body["return_url"] = return_url
        return "POST", "/v1/authorization-links", {"json": body}

    @staticmethod
    def _list_tools(connection_name: str | None = None, identifier: str | None = None) -> Any:
        if identifier is None:
            return "GET", "/v1/tools", {}
        params = {"identifier": identifier, "connection_name": connection_name or "hubspot"}
        return "GET", "/v1/tools", {"params": params}

    @staticmethod
    def _submit_job(payload: dict[str, Any]) -> Any:
        return "POST", "/v1/jobs", {"json": payload}

    def _get_job(self, job_id: str, wait: float) -> Any:
        timeout = httpx.Timeout(max(60.0, wait + 10.0), connect=10.0)
        return "GET", f"/v1/jobs/{job_id}", {"params": {"wait": wait}, "timeout": timeout}


def _account_path(connection_name: str, identifier: str) -> str:
    """Identifiers may hold ``#``, ``?``, ``%`` or be ``..``: each segment is encoded whole
    (dots too, or ``..`` would be resolved away as a relative path segment)."""
    return f"/v1/connected-accounts/{_segment(connection_name)}/{_segment(identifier)}"


def _segment(value: str) -> str:
    return quote(value, safe="").replace(".", "%2E")


class InProcessBackend:
    """Calls the services directly (the process needs database and Redis settings)."""

    def __init__(self, services: Services, waiter: ThreadedJobWaiter) -> None:
        self.services = services
        self.waiter = waiter

    @classmethod
    def from_env(cls) -> InProcessBackend:
        from broker.redis_broker import redis_client
        from core.settings import load_local_settings
        from producer.services import Services
        from producer.waiting import ThreadedJobWaiter

        services = Services.from_settings(load_local_settings())
        url = services.ctx.settings.require_redis_url("Actions.from_env()")
        return cls(services, ThreadedJobWaiter(lambda: redis_client(url)))

    def close(self) -> None:
        self.waiter.close()
        self.services.ctx.close()

    async def acall(self, operation: str, *args: Any) -> Any:
        """The in-process services are synchronous (SQL, Redis): run them on a thread."""
        return await asyncio.to_thread(self.call, operation, *args)

    def call(self, operation: str, *args: Any) -> Any:
        try:
            return getattr(self, f"_{operation}")(*args)
        except HubSpotActionsError as exc:
            details = exc.to_dict()
            code, message = details.pop("code"), details.pop("message")
            raise _actions_error(code, message, exc.http_status, details) from exc

    def _account(self, record: Any) -> Any:
        return {"connected_account": self.services.accounts.view(record).model_dump(mode="json")}

    def _get_or_create_account(self, connection_name: str, identifier: str) -> Any:
        accounts = self.services.accounts
        return self._account(
            accounts.get_or_create(connection_name=connection_name, identifier=identifier)
        )

    def _get_account(self, connection_name: str, identifier: str) -> Any:
        return self._account(
            self.services.accounts.get(connection_name=connection_name, identifier=identifier)
        )

    def _list_accounts(self, status: AccountStatus | None, limit: int, after: str | None) -> Any:
        records, next_after = self.services.accounts.list_page(
            status=status, limit=limit, after=after
        )
        views = [self.services.accounts.view(r).model_dump(mode="json") for r in records]
        return {"connected_accounts": views, "next_after": next_after}

    def _delete_account(self, connection_name: str, identifier: str) -> Any:
        return self._account(
            self.services.accounts.delete(connection_name=connection_name, identifier=identifier)
        )

    def _authorization_link(
        self, connection_name: str, identifier: str, return_url: str | None
    ) -> Any:
        accounts = self.services.accounts
        link = accounts.authorization_link(
            connection_name=connection_name,
            identifier=identifier,
            return_url=accounts.checked_return_url(return_url),
        )
        return {"link": link.link, "expires_at": link.expires_at.isoformat()}

    def _list_tools(self, connection_name: str | None = None, identifier: str | None = None) -> Any:
        from schemas.tools import tool_catalog

        if identifier is None:
            return {"tools": tool_catalog()}
        return {"tools": self.services.jobs.tool_catalog(connection_name or "hubspot", identifier)}

    def _submit_job(self, payload: dict[str, Any]) -> Any:
        from producer.jobs import parse_submit
        from producer.views import job_view

        submitted = self.services.jobs.submit(parse_submit(payload))
        return {"job": job_view(submitted.job).model_dump(mode="json")}

    def _get_job(self, job_id: str, wait: float) -> Any:
        from producer.views import job_view

        jobs = self.services.jobs
        if wait > 0:
            self.waiter.wait(
                job_id, timeout=min(wait, 30.0), is_done=lambda: jobs.get(job_id).status.is_terminal
            )
        return {"job": job_view(jobs.get(job_id)).model_dump(mode="json")}
