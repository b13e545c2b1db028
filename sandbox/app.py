"""The sandbox as an ASGI application.

One plain ASGI callable instead of a framework keeps the authenticated-GET hot path short
(route lookup, token check, limiter, handler, one ``send`` pair) and lets fault injection act
around the handler: delay it, replace its answer, skip it and drop the connection, or run it and
then drop the connection. Every response carries ``x-hubspot-correlation-id``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable

from sandbox.auth import authorize, note_presented
from sandbox.config import SandboxConfig
from sandbox.dropping import drop_connection
from sandbox.errors import ApiError, SandboxError, resource_not_found
from sandbox.faults import Fault
from sandbox.http import Receive, Request, Response, Scope, Send, read_body, send_response
from sandbox.persistence import Persistence, StateFile
from sandbox.routes import build_router
from sandbox.routing import Route
from sandbox.state import Sandbox

log = logging.getLogger("sandbox")

_BODYLESS = frozenset(("GET", "HEAD", "DELETE", "OPTIONS"))
#: Methods that never change persisted state (their ``used`` marks on tokens may be lost).
_READS = frozenset(("GET", "HEAD", "OPTIONS"))


class SandboxApp:
    """ASGI entry point; ``sandbox`` is the state, exposed for in-process inspection.

    With a ``state_path`` the state is loaded from that file first and kept in step with it
    (``sandbox.persistence``); ``close()`` writes the last changes, and the server calls it on
    shutdown. Handlers run under the persistence lock so a snapshot never sees half a change.
    """

    def __init__(self, config: SandboxConfig) -> None:
        self.sandbox = Sandbox(config)
        self.router = build_router()
        self.persistence: Persistence | None = None
        if config.state_path is not None:
            self.persistence = Persistence.open(self.sandbox, StateFile(config.state_path))
        self._lock = self.persistence.lock if self.persistence else threading.Lock()

    def close(self) -> None:
        """Flush and close the state file, if there is one (idempotent)."""
        if self.persistence is not None:
            self.persistence.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send, self.close)
            return
        if scope["type"] != "http":
            return
        method: str = scope["method"]
        path: str = scope["path"]
        correlation_id = str(uuid.uuid4())
        matched = self.router.match(method, path)
        route = matched[0] if matched is not None else None
        # The body is read before any fault's latency, as a real server has it by then: a client
        # that times out during the delay must still have its request applied in full.
        body = b"" if method in _BODYLESS and not _has_body(scope) else await read_body(receive)
        fault = None
        if self.sandbox.faults.active and (route is None or not route.control):
            fault = self.sandbox.faults.pick(method, path)
            if fault is not None and await self._fault_answered(
                fault, route, scope, send, correlation_id
            ):
                return
        request = Request(
            method=method,
            path=path,
            query_string=scope.get("query_string", b""),
            headers=scope["headers"],
            body=body,
            params=matched[1] if matched is not None else {},
            correlation_id=correlation_id,
        )
        with self._lock:
            response = self._dispatch(route, request)
        if self.persistence is not None and method not in _READS:
            self.persistence.dirty = True
        if route is None or not route.control:
            self.sandbox.stats.record(_key(route, method), response.status)
        if fault is not None and fault.drop == "after":
            self.sandbox.stats.connections_dropped += 1
            await drop_connection(send)
            return
        await send_response(send, response, correlation_id)

    async def _fault_answered(
        self, fault: Fault, route: Route | None, scope: Scope, send: Send, correlation_id: str
    ) -> bool:
        """Apply a fault's effects before the handler; True when nothing more should happen."""
        stats = self.sandbox.stats
        stats.faults_applied += 1
        note_presented(self.sandbox, scope["headers"])
        method: str = scope["method"]
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.drop == "before":
            stats.record(_key(route, method), "dropped")
            stats.connections_dropped += 1
            await drop_connection(send)
            return True
        if fault.status is not None:
            response = fault.error().render(correlation_id)
            stats.record(_key(route, method), response.status)
            await send_response(send, response, correlation_id)
            return True
        return False

    def _dispatch(self, route: Route | None, request: Request) -> Response:
        headers: list[tuple[bytes, bytes]] = []
        try:
            if route is None:
                raise resource_not_found()
            if route.access is not None:
                headers = authorize(self.sandbox, request, route.access)
            response = route.handler(self.sandbox, request)
        except SandboxError as exc:
            response = exc.render(request.correlation_id)
        except Exception:
            log.exception("sandbox handler failed: %s %s", request.method, request.path)
            error = ApiError(500, "internal error", "INTERNAL_ERROR")
            response = error.render(request.correlation_id)
        if headers:
            response.headers.extend(headers)
        return response


def _key(route: Route | None, method: str) -> str:
    return route.key if route is not None else f"{method} <unknown>"


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return bool(value != b"0")
        if name == b"transfer-encoding":
            return True
    return False


async def _lifespan(receive: Receive, send: Send, on_shutdown: Callable[[], None]) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            on_shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(config: SandboxConfig) -> SandboxApp:
    """A sandbox ready to serve over ASGI: empty, or loaded from ``config.state_path``.

    Raises ``sandbox.persistence.StateFileError`` when that file cannot be used.
    """
    return SandboxApp(config)
