"""``hubspot-actions run`` restarted in the same directory keeps its connected accounts."""

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


def _start(tmp_path: Path, env: dict[str, str], log_name: str) -> subprocess.Popen[bytes]:
    with (tmp_path / log_name).open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "run"], cwd=tmp_path, env=env, stdout=log, stderr=log
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = (tmp_path / log_name).read_text()
        assert proc.poll() is None, text
        if "hubspot-actions is running" in text:
            return proc
        time.sleep(0.2)
    proc.kill()
    raise AssertionError((tmp_path / log_name).read_text())


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(40)


def _connect(api: httpx.Client, sandbox: str) -> None:
    link = api.post(
        "/v1/authorization-links", json={"connection_name": "hubspot", "identifier": "keep_u"}
    ).json()["link"]
    query = dict(parse_qsl(urlsplit(link).query))
    hub = httpx.post(f"{sandbox}/_sandbox/portals", json={}).json()["hub_id"]
    body = {name: query.get(name) for name in ("client_id", "redirect_uri", "scope", "state")}
    for name in ("code_challenge", "code_challenge_method"):
        if name in query:
            body[name] = query[name]
    consent = httpx.post(f"{sandbox}/_sandbox/consent", json={**body, "hub_id": hub})
    callback = httpx.get(consent.json()["redirect_url"], headers={"accept": "application/json"})
    assert callback.json()["connected_account"]["status"] == "ACTIVE"


def _create_contact(api: httpx.Client, email: str) -> dict[str, object]:
    job = api.post(
        "/v1/jobs",
        json={
            "identifier": "keep_u",
            "tool_name": "hubspot_contact_create",
            "tool_input": {"email": email},
        },
    ).json()["job"]
    done: dict[str, object] = api.get(f"/v1/jobs/{job['id']}", params={"wait": 20}).json()["job"]
    return done


def test_restarted_run_keeps_the_account_active_and_working(tmp_path: Path) -> None:
    """An account connected before a restart is ACTIVE after it and its jobs still succeed."""
    port, sandbox_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(RUN_ENV_DROP)}
    env.update(
        PORT=str(port), SANDBOX_PORT=str(sandbox_port), WORKER_PROCESSES="1", LOG_JSON="true"
    )
    base, sandbox = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sandbox_port}"
    # Given an account connected and used under a first run
    proc = _start(tmp_path, env, "run1.log")
    try:
        assert ".hubspot-actions/sandbox.db" in (tmp_path / "run1.log").read_text()
        key = (tmp_path / ".hubspot-actions" / "api-key").read_text().strip()
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
            _connect(api, sandbox)
            assert _create_contact(api, "before@acme.io")["status"] == "succeeded"
    finally:
        _stop(proc)
    assert (tmp_path / ".hubspot-actions" / "sandbox.db").exists()
    # When run starts again in the same directory
    proc = _start(tmp_path, env, "run2.log")
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
            # Then the account is still ACTIVE and a job with its old tokens succeeds
            account = api.get("/v1/connected-accounts/hubspot/keep_u").json()
            assert account["connected_account"]["status"] == "ACTIVE", account
            done = _create_contact(api, "after@acme.io")
            assert done["status"] == "succeeded", (tmp_path / "run2.log").read_text()[-3000:]
        stats = httpx.get(f"{sandbox}/_sandbox/stats").json()
        # The old access token was accepted: no new consent, no 401 on the CRM call.
        assert stats["requests"]["POST /crm/v3/objects/contacts"] == {"201": 1}
        assert stats["token_grants"] == {}
    finally:
        _stop(proc)
