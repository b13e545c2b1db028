"""Bodies over MAX_REQUEST_BYTES answer 413 request_too_large before they are read (DESIGN s6).

Through a real uvicorn and raw sockets: a declared Content-Length is refused with no byte of the
body sent, and a chunked body is refused once it passes the limit, while more is still coming.
"""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from producer.api.app import create_app
from tests.api.served import serve
from tests.support.services import redis_available, require
from tests.support.web_app import IDENTIFIER, activate, web_settings

#: A small limit keeps the test fast; the default (1 MiB) is pinned in the settings test below.
LIMIT = 64 * 1024


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(host:port, api key) of the app on uvicorn with MAX_REQUEST_BYTES = 64 KiB."""
    require(redis_available(), "Redis")
    key = "hak_" + secrets.token_urlsafe(24)
    settings = web_settings(f"sqlite:///{tmp_path / 'size.db'}", key, max_request_bytes=LIMIT)
    activate(settings)
    with serve(create_app(settings)) as base_url:
        yield base_url.removeprefix("http://"), key


def _exchange(address: str, head: bytes, body_chunks: Iterator[bytes]) -> tuple[int, bytes, int]:
    """Send ``head`` then chunks until the server answers; (status, body, chunks sent)."""
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head)
        sent = 0
        sock.settimeout(0.05)
        answer = b""
        for chunk in body_chunks:
            try:
                answer = sock.recv(65536)
            except TimeoutError:
                answer = b""
            if answer:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
        sock.settimeout(10)
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    status = int(answer.split(b" ", 2)[1])
    return status, answer.partition(b"\r\n\r\n")[2], sent


def _head(address: str, key: str, framing: str) -> bytes:
    return (
        f"POST /v1/jobs HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode()


def test_declared_oversized_body_is_413_before_any_byte_is_read(
    server: tuple[str, str],
) -> None:
    """Content-Length: 150 MB and no body sent: the answer is 413 at once."""
    address, key = server
    head = _head(address, key, f"Content-Length: {150 * 1024 * 1024}")
    status, body, sent = _exchange(address, head, iter([b""] * 200))
    assert status == 413
    error = json.loads(body)["error"]
    assert error["code"] == "request_too_large"
    assert str(LIMIT) in error["message"]
    assert sent < 200  # answered while the client still had the whole body to send


def test_chunked_body_is_refused_once_past_the_limit(server: tuple[str, str]) -> None:
    """A chunked body is counted while it streams: 413 after the limit, long before its end."""
    address, key = server
    chunk = b"a" * 4096
    framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    total_chunks = 2000  # 8 MB if it were all read
    status, body, sent = _exchange(
        address, _head(address, key, "Transfer-Encoding: chunked"), iter([framed] * total_chunks)
    )
    assert status == 413
    assert json.loads(body)["error"]["code"] == "request_too_large"
    assert LIMIT // len(chunk) <= sent < total_chunks


def test_a_body_under_the_limit_is_served(server: tuple[str, str]) -> None:
    """Just under the limit the body reaches the route (here: 202, a job accepted)."""
    address, key = server
    body = json.dumps(
        {
            "identifier": IDENTIFIER,
            "tool_name": "hubspot_contact_create",
            "tool_input": {"email": "size@b.co"},
            "idempotency_key": "p" * 200,
        }
    ).encode()
    head = _head(address, key, f"Content-Length: {len(body)}")
    status, answer, _ = _exchange(address, head + body, iter([b""]))
    assert status == 202, answer


def test_max_request_bytes_defaults_to_one_mebibyte() -> None:
    """MAX_REQUEST_BYTES is 1048576 unless set (DESIGN.md section 2)."""
    assert web_settings("sqlite://", "k").max_request_bytes == 1_048_576
