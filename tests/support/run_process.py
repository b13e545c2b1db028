"""``hubspot-actions run`` as a real process in a directory of its own, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.support.ports import free_port

#: Settings a developer's shell may have that would make ``run`` use something else.
RUN_ENV_DROP = ("HUBSPOT_", "SANDBOX_", "REDIS_URL", "DATABASE_URL", "TOKEN_", "BOOTSTRAP_", "PORT")


def clean_env(**extra: str) -> dict[str, str]:
    """The process environment without any setting ``run`` would otherwise pick up."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(RUN_ENV_DROP)}
    env.update(extra)
    return env


@dataclass
class RunProcess:
    """One ``run`` in ``directory``; ``start`` waits for its banner."""

    directory: Path
    port: int = field(default_factory=free_port)
    sandbox_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.directory / "run.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sandbox(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def start(self, timeout: float = 90.0) -> None:
        env = clean_env(
            PORT=str(self.port),
            SANDBOX_PORT=str(self.sandbox_port),
            WORKER_PROCESSES="1",
            LOG_JSON="true",
        )
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "run"],
                cwd=self.directory,
                env=env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()[-4000:]
            if "hubspot-actions is running" in self.log()[offset:]:
                return
            time.sleep(0.2)
        raise AssertionError(self.log()[-4000:])

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(40)

    def api_key(self) -> str:
        return (self.directory / ".hubspot-actions" / "api-key").read_text().strip()

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {self.api_key()}"}, timeout=30
        )

    def connect(self, identifier: str) -> int:
        """Authorize ``identifier`` on a new sandbox portal, as a user clicking Connect would."""
        with self.api() as api:
            link = api.post(
                "/v1/authorization-links",
                json={"connection_name": "hubspot", "identifier": identifier},
            ).json()["link"]
        query = dict(parse_qsl(urlsplit(link).query))
        hub = int(httpx.post(f"{self.sandbox}/_sandbox/portals", json={}).json()["hub_id"])
        body: dict[str, object] = {
            "client_id": query["client_id"],
            "redirect_uri": query["redirect_uri"],
            "scope": query["scope"],
            "state": query["state"],
            "hub_id": hub,
        }
        for name in ("code_challenge", "code_challenge_method"):
            if name in query:
                body[name] = query[name]
        consent = httpx.post(f"{self.sandbox}/_sandbox/consent", json=body)
        callback = httpx.get(consent.json()["redirect_url"], headers={"accept": "application/json"})
        assert callback.json()["connected_account"]["status"] == "ACTIVE", callback.text
        return hub
