"""``hubspot-actions run`` on its embedded defaults: SQLite, embedded Redis, the sandbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.support.ports import free_port

RUN_ENV_DROP = ("HUBSPOT_", "SANDBOX_", "REDIS_URL", "DATABASE_URL", "TOKEN_", "BOOTSTRAP_", "PORT")


def _children_of(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )
    return [int(p) for p in out.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(
        ["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return bool(state.stdout.strip()) and not state.stdout.strip().startswith("Z")


def test_run_brings_up_the_pipeline_and_stops_cleanly(tmp_path: Path) -> None:
    """The README's run command serves the skeleton end to end, and SIGTERM stops every child."""
    port, sandbox_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(RUN_ENV_DROP)}
    env.update(
        PORT=str(port), SANDBOX_PORT=str(sandbox_port), WORKER_PROCESSES="1", LOG_JSON="true"
    )
    log = (tmp_path / "run.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "run"], cwd=tmp_path, env=env, stdout=log, stderr=log
    )
    api: httpx.Client | None = None
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "run.log").read_text()
            if "hubspot-actions is running" in (tmp_path / "run.log").read_text():
                break
            time.sleep(0.2)
        else:
            raise AssertionError((tmp_path / "run.log").read_text())
        assert httpx.get(f"{base}/readyz").json()["status"] == "ok"
        assert (tmp_path / "hubspot-actions.db").exists()
        key = (tmp_path / ".hubspot-actions" / "api-key").read_text().strip()
        assert key in (tmp_path / "run.log").read_text()
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)

        link = api.post(
            "/v1/authorization-links", json={"connection_name": "hubspot", "identifier": "run_u"}
        ).json()["link"]
        query = dict(parse_qsl(urlsplit(link).query))
        sandbox = f"http://127.0.0.1:{sandbox_port}"
        hub = httpx.post(f"{sandbox}/_sandbox/portals", json={}).json()["hub_id"]
        consent = httpx.post(
            f"{sandbox}/_sandbox/consent",
            json={
                "client_id": query["client_id"],
                "redirect_uri": query["redirect_uri"],
                "scope": query["scope"],
                "state": query["state"],
                "hub_id": hub,
            },
        )
        callback = httpx.get(consent.json()["redirect_url"], headers={"accept": "application/json"})
        assert callback.json()["connected_account"]["status"] == "ACTIVE"

        job = api.post(
            "/v1/jobs",
            json={
                "identifier": "run_u",
                "tool_name": "hubspot_contact_create",
                "tool_input": {"email": "run@acme.io", "firstname": "Run"},
            },
        ).json()["job"]
        done = api.get(f"/v1/jobs/{job['id']}", params={"wait": 20}).json()["job"]
        assert done["status"] == "succeeded", (tmp_path / "run.log").read_text()[-3000:]
        assert done["result"]["properties"]["email"] == "run@acme.io"
        children = _children_of(proc.pid)
        assert len(children) >= 5  # redis, sandbox, web, worker, scheduler
    finally:
        if api is not None:
            api.close()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(40)
        log.close()
    assert code in (0, -signal.SIGTERM)
    time.sleep(0.5)
    assert not [c for c in children if _alive(c)]
