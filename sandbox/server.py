"""Running the sandbox: one uvicorn process, one event loop, no access log.

One process because the sandbox's state lives in memory (and at most in one state file); the
access log is off because the sandbox is hammered by benchmarks and fault storms and its counters
are in ``/_sandbox/stats``. The state file gets its last changes when uvicorn returns (SIGINT or
SIGTERM).
"""

from __future__ import annotations

import uvicorn

from sandbox.app import create_app
from sandbox.config import SandboxConfig


def serve(*, host: str = "127.0.0.1", port: int, config: SandboxConfig) -> None:
    """Serve until interrupted (SIGINT/SIGTERM); blocks the calling thread.

    Raises ``sandbox.persistence.StateFileError`` before serving when the state file is unusable.
    """
    app = create_app(config)
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            access_log=False,
            log_level="warning",
            lifespan="off",
            workers=1,
        )
    finally:
        app.close()
