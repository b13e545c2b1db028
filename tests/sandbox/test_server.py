"""``sandbox.server.serve``: the blocking entry point the CLI's ``sandbox`` command calls."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

_CODE = """
from sandbox.config import SandboxConfig
from sandbox.server import serve
serve(port={port}, config=SandboxConfig(token_ttl=120))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_answers_on_its_port_quietly() -> None:
    """``serve`` listens on 127.0.0.1:port, uses the config, logs no access lines, stops on TERM."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", _CODE.format(port=port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                response = httpx.get(f"{base}/_sandbox/stats", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.05)
        assert response.status_code == 200
        for _ in range(3):
            httpx.get(f"{base}/crm/v3/objects/contacts", timeout=5)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert process.returncode in (0, -15)
    assert b"GET /crm/v3/objects/contacts" not in output
