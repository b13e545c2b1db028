"""``hubspot-actions run``: the local all-in-one (DESIGN.md section 1).

Does the one-time set-up (migrations, the local key file, the API key, the sandbox app), then
starts an embedded Redis when ``REDIS_URL`` is unset, the sandbox when no HubSpot credentials are
set, and the web, worker and scheduler processes, handing them the URLs. Every child lives in this
process group; SIGINT or SIGTERM stops them all, and so does any child dying.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

import httpx

from cli.embedded_redis import EmbeddedRedis
from cli.local_env import remove_local_env, write_local_env
from cli.local_setup import ensure_bootstrap_key, prepare_database, prepare_keyring
from core.logging import get_logger
from core.settings import DEFAULT_SANDBOX_STATE_FILE, DEFAULT_STATE_DIR, LOCAL_ENV_FILE, Settings
from sandbox.config import DEFAULT_FIRST_HUB_ID
from schemas.connection import Connection

log = get_logger(__name__)

#: The client id ``run`` registers with its sandbox.
SANDBOX_CLIENT_ID = "local-sandbox-app"
#: How long to wait for everything to answer /readyz.
READY_TIMEOUT_S = 60.0
#: How long children get to stop before they are killed.
STOP_TIMEOUT_S = 15.0


class Child:
    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "cli", *args], env=env
        )


class Runner:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.children: list[Child] = []
        self.redis: EmbeddedRedis | None = None
        self.stop = threading.Event()
        self.env = dict(os.environ)
        #: Where the sandbox keeps its data, so a restart keeps connected accounts working.
        self.sandbox_state = settings.sandbox_state or str(DEFAULT_SANDBOX_STATE_FILE)

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)
        try:
            api_key = self._setup()
            self._start_services()
            if not self._wait_ready():
                return 1
            self._write_local_env()
            self._banner(api_key)
            return self._supervise()
        finally:
            self._shutdown()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop.set()

    # -- set-up ---------------------------------------------------------------------------

    def _setup(self) -> str | None:
        db = prepare_database(self.settings)
        prepare_keyring(self.settings)
        api_key = ensure_bootstrap_key(self.settings, db, local_fallback=True)
        db.dispose()
        return api_key

    def _start_services(self) -> None:
        requires = ["worker", "scheduler"]
        if not self.settings.redis_url:
            self.redis = EmbeddedRedis(Path(DEFAULT_STATE_DIR))
            self.env["REDIS_URL"] = self.redis.start()
            log.info("run.embedded_redis", url=self.env["REDIS_URL"])
        if not self.settings.has_hubspot_credentials:
            self._start_sandbox()
            requires.append("sandbox")
        self.env["READY_REQUIRES"] = ",".join(requires)
        for name in ("web", "worker", "scheduler"):
            self.children.append(Child(name, [name], self.env))

    def _start_sandbox(self) -> None:
        port = self.settings.sandbox_port
        base = f"http://127.0.0.1:{port}"
        args = ["sandbox", "--port", str(port), "--state", self.sandbox_state]
        self.children.append(Child("sandbox", args, self.env))
        self._wait_http(f"{base}/_sandbox/stats", "sandbox")
        secret = secrets.token_urlsafe(24)
        self.env.update(
            HUBSPOT_CLIENT_ID=SANDBOX_CLIENT_ID,
            HUBSPOT_CLIENT_SECRET=secret,
            HUBSPOT_API_BASE=base,
            HUBSPOT_AUTHORIZE_URL=f"http://localhost:{port}/oauth/authorize",
        )
        connection = Connection.from_settings(self.settings)
        httpx.post(
            f"{base}/_sandbox/apps",
            json={
                "client_id": SANDBOX_CLIENT_ID,
                "client_secret": secret,
                "redirect_uris": [connection.redirect_uri],
                "scopes": list(connection.required_scopes),
                "optional_scopes": list(connection.optional_scopes),
            },
            timeout=5,
        ).raise_for_status()
        # The same hub id on every start: with persisted sandbox state, a restart finds the
        # portal it made before instead of adding another one (re-posting it is idempotent).
        portal = httpx.post(
            f"{base}/_sandbox/portals", json={"hub_id": DEFAULT_FIRST_HUB_ID}, timeout=5
        )
        portal.raise_for_status()
        self.sandbox_hub_id = portal.json().get("hub_id")

    def _write_local_env(self) -> None:
        """Let the directory's other commands find this run (DESIGN section 17)."""
        values = dict(self.env)
        values["DATABASE_URL"] = _absolute_sqlite(self.settings.database_url)
        values["PORT"] = str(self.settings.port)
        values["TOKEN_KEY_FILE"] = str(self.settings.token_key_file.resolve())
        if self.settings.token_encryption_keys is not None:
            values.pop("TOKEN_KEY_FILE")  # the keys come from the environment, not the file
        write_local_env(values, sandbox=self._uses_sandbox)

    @property
    def _uses_sandbox(self) -> bool:
        return self.env.get("HUBSPOT_CLIENT_ID") == SANDBOX_CLIENT_ID

    def _wait_http(self, url: str, what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stop.is_set():
            try:
                if httpx.get(url, timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            self._check_children()
            time.sleep(0.1)
        raise RuntimeError(f"{what} did not come up at {url}")

    def _wait_ready(self) -> bool:
        url = f"http://127.0.0.1:{self.settings.port}/readyz"
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and not self.stop.is_set():
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            if self._check_children():
                return False
            time.sleep(0.2)
        log.error("run.not_ready", url=url)
        return False

    def _banner(self, api_key: str | None) -> None:
        web = f"http://localhost:{self.settings.port}"
        lines = [
            "",
            "hubspot-actions is running",
            f"  API:        {web}   (docs: {web}/docs)",
            f"  API key:    {api_key or '(set BOOTSTRAP_API_KEY or run `api-keys create`)'}",
            f"  Redis:      {self.env.get('REDIS_URL')}",
            f"  Database:   {self.settings.database_url}",
        ]
        if self._uses_sandbox:
            lines.append(
                f"  HubSpot:    local sandbox at {self.env['HUBSPOT_API_BASE']} "
                f"(portal {getattr(self, 'sandbox_hub_id', '?')})"
            )
            lines.append(self._sandbox_data_line())
        else:
            lines.append(f"  HubSpot:    {self.settings.hubspot_api_base}")
        lines += [
            "",
            "  Try it:",
            f"    curl -s -H 'Authorization: Bearer {api_key}' \\",
            "      -H 'Content-Type: application/json' \\",
            f'      -d \'{{"connection_name":"hubspot","identifier":"user_hs_456"}}\' '
            f"{web}/v1/authorization-links",
            "    (open the link, click Connect app, then POST /v1/jobs)",
            "",
            f"  Clients here find this run through {LOCAL_ENV_FILE}:",
            "    Python: Actions.from_env(), producer.langchain.get_tools()",
            "    CLI:    hubspot-actions connections show | submit | jobs show ID | bulk FILE",
            "",
            "  Ctrl-C stops everything.",
            "",
        ]
        print("\n".join(lines), flush=True)

    def _sandbox_data_line(self) -> str:
        if self.sandbox_state.strip().lower() == "memory":
            return "  Sandbox data: in memory (SANDBOX_STATE=memory): forgotten when run stops"
        return (
            f"  Sandbox data: {self.sandbox_state}   (kept across restarts; to start afresh, "
            "stop run, then `hubspot-actions sandbox --reset` or delete the file)"
        )

    # -- supervision ----------------------------------------------------------------------

    def _check_children(self) -> Child | None:
        for child in self.children:
            if child.process.poll() is not None:
                log.error("run.child_exited", child=child.name, code=child.process.returncode)
                return child
        return None

    def _supervise(self) -> int:
        while not self.stop.wait(0.5):
            if self._check_children() is not None:
                return 1
        return 0

    def _shutdown(self) -> None:
        for child in self.children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in self.children:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
        remove_local_env()
        if self.redis is not None:
            self.redis.stop()


def _absolute_sqlite(url: str) -> str:
    """A relative SQLite URL made absolute, so a client in a subdirectory opens the same file."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url.startswith(prefix + "/") or ":memory:" in url:
        return url
    return prefix + str(Path(url.removeprefix(prefix)).resolve())
