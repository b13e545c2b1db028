"""A real HTTP receiver for webhook tests: records every request, answers as each path is told.

Each test uses its own path (``/hooks/<name>``), so tests sharing one receiver and one stack never
read each other's deliveries. A path can be told to answer a sequence of statuses first (then
200) and to sleep before answering (a slow endpoint).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class _Script:
    statuses: list[int] = field(default_factory=list)
    delay_s: float = 0.0


class WebhookReceiver:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.lock = threading.Lock()
        self.requests: list[Received] = []
        self.scripts: dict[str, _Script] = {}

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, name: str) -> str:
        return f"{self.base_url}/hooks/{name}"

    def script(self, name: str, *, statuses: list[int] | None = None, delay_s: float = 0) -> None:
        with self.lock:
            self.scripts[f"/hooks/{name}"] = _Script(list(statuses or []), delay_s)

    def received(self, name: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == f"/hooks/{name}"]

    def wait_for(self, name: str, count: int, timeout: float = 20.0) -> list[Received]:
        """The path's requests once there are at least ``count`` (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received(name)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{name}: {len(self.received(name))} requests, wanted {count}")

    def _answer(self, path: str) -> tuple[int, float]:
        with self.lock:
            script = self.scripts.get(path)
            if script is None:
                return 200, 0.0
            status = script.statuses.pop(0) if script.statuses else 200
            return status, script.delay_s


def _handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            status, delay = receiver._answer(self.path)
            with receiver.lock:
                receiver.requests.append(
                    Received(self.path, dict(self.headers.items()), body, time.monotonic())
                )
            if delay:
                time.sleep(delay)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def running_receiver() -> Iterator[WebhookReceiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = WebhookReceiver(server)
    server.RequestHandlerClass = _handler(receiver)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
