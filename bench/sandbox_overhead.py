"""Sandbox overhead: a simple authenticated GET on the sandbox vs a bare FastAPI handler.

DESIGN.md section 11 target: the sandbox reaches >= 0.8x the bare handler's throughput in the same
run. Both servers run as their own uvicorn process (same settings: httptools, uvloop, no access
log) and are hit by the same minimal keep-alive HTTP/1.1 client with the same concurrency, in
alternating rounds so drift on the machine affects both; the median of each is compared.

    .venv/bin/python -m bench.sandbox_overhead [--seconds 3] [--rounds 3] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import httpx

_SANDBOX = """
from sandbox.config import SandboxConfig
from sandbox.server import serve
serve(port={port}, config=SandboxConfig())
"""

_BARE = """
import uvicorn
from fastapi import FastAPI
app = FastAPI()

@app.get("/crm/v3/objects/contacts/{{contact_id}}")
async def read(contact_id: str) -> dict[str, object]:
    return {{"id": contact_id, "properties": {{"email": "bench@example.com"}}, "archived": False}}

uvicorn.run(app, host="127.0.0.1", port={port}, access_log=False, log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _server(code: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-c", code.format(port=port)], cwd=os.getcwd())
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(base_url + "/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"server on {port} did not start") from None
                time.sleep(0.05)
        yield base_url
    finally:
        process.terminate()
        process.wait(10)


def _prepare_sandbox(base_url: str) -> tuple[str, str]:
    """Register an app, connect a portal, create one contact: the token and the contact's path."""
    redirect = "http://localhost/cb"
    scopes = "oauth crm.objects.contacts.read crm.objects.contacts.write"
    with httpx.Client(base_url=base_url) as http:
        http.post(
            "/_sandbox/apps",
            json={
                "client_id": "bench",
                "client_secret": "bench-secret",
                "redirect_uris": [redirect],
                "scopes": scopes.split(),
            },
        ).raise_for_status()
        hub_id = http.post("/_sandbox/portals", json={}).json()["hub_id"]
        consent = {"client_id": "bench", "redirect_uri": redirect, "scope": scopes}
        url = http.post("/_sandbox/consent", json={**consent, "hub_id": hub_id}).json()
        code = parse_qs(urlsplit(url["redirect_url"]).query)["code"][0]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "client_id": "bench",
            "client_secret": "bench-secret",
        }
        token = http.post("/oauth/v3/token", data=form).json()["access_token"]
        # Throughput, not HubSpot's 110/10 s, is what is measured here.
        http.post("/_sandbox/limits", json={"burst_per_10s": 0, "search_per_second": 0})
        headers = {"Authorization": f"Bearer {token}"}
        created = http.post(
            "/crm/v3/objects/contacts",
            json={"properties": {"email": "bench@example.com"}},
            headers=headers,
        ).json()
    return token, f"/crm/v3/objects/contacts/{created['id']}"


async def _worker(host: str, port: int, request: bytes, stop_at: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    done = 0
    try:
        while time.monotonic() < stop_at:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.decode(errors="replace"))
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            done += 1
    finally:
        writer.close()
        counts.append(done)


async def _load(base_url: str, path: str, token: str, seconds: float, concurrency: int) -> float:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()
    counts: list[int] = []
    started = time.monotonic()
    stop_at = started + seconds
    await asyncio.gather(
        *(_worker(host, port, request, stop_at, counts) for _ in range(concurrency))
    )
    return sum(counts) / (time.monotonic() - started)


def main() -> None:
    """Run the comparison and print one JSON line with both throughputs and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with _server(_SANDBOX) as sandbox_url, _server(_BARE) as bare_url:
        token, path = _prepare_sandbox(sandbox_url)
        sandbox_rps: list[float] = []
        bare_rps: list[float] = []
        # One short warm-up each, then alternating measured rounds.
        asyncio.run(_load(sandbox_url, path, token, 0.5, args.concurrency))
        asyncio.run(_load(bare_url, path, token, 0.5, args.concurrency))
        for _ in range(args.rounds):
            sandbox_rps.append(
                asyncio.run(_load(sandbox_url, path, token, args.seconds, args.concurrency))
            )
            bare_rps.append(
                asyncio.run(_load(bare_url, path, token, args.seconds, args.concurrency))
            )
    sandbox, bare = statistics.median(sandbox_rps), statistics.median(bare_rps)
    result = {
        "sandbox_rps": round(sandbox),
        "bare_fastapi_rps": round(bare),
        "ratio": round(sandbox / bare, 3),
        "target": 0.8,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "seconds_per_round": args.seconds,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
