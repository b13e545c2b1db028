"""Running the sandbox: one uvicorn process, one event loop, no access log.

One process because the sandbox's state lives in memory; the access log is off because the
sandbox is hammered by benchmarks and fault storms and its counters are in ``/_sandbox/stats``.
"""

from __future__ import annotations

import uvicorn

from sandbox.app import create_app
from sandbox.config import SandboxConfig


def serve(*, host: str = "127.0.0.1", port: int, config: SandboxConfig) -> None:
    """Serve until interrupted (SIGINT/SIGTERM); blocks the calling thread."""
    uvicorn.run(
        create_app(config),
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        lifespan="off",
        workers=1,
    )
