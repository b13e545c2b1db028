"""Dropping a connection mid-request, as a client sees a network failure.

ASGI has no "hang up" message: an app that returns without answering gets a 500 from the server.
Uvicorn's ``send`` is a bound method of its per-request cycle, which holds the socket's asyncio
transport; aborting that transport closes the TCP connection with no response bytes at all, and
uvicorn, seeing the cycle disconnected, sends nothing more. For servers without that attribute we
fall back to the ASGI-sanctioned way: start a response whose body never comes and raise, which
makes the server close the connection (the client then fails reading the body).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sandbox.http import Send


class ConnectionDropped(Exception):
    """Raised to make a server without a reachable transport abandon the response."""


async def drop_connection(send: Send) -> None:
    """Abort the request's connection; the client gets no (complete) response."""
    cycle: Any = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None and hasattr(transport, "abort"):
        transport.abort()
        # Let the server's connection_lost callback run so it marks the cycle disconnected
        # and does not try to answer with a 500 of its own.
        for _ in range(20):
            if getattr(cycle, "disconnected", True):
                return
            await asyncio.sleep(0)
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json;charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    raise ConnectionDropped("connection dropped by an injected fault")
