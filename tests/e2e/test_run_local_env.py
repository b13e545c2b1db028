"""Clients in the directory of a ``run`` find it with no settings (DESIGN section 17)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.run_process import RunProcess, clean_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CLIENT = """
import json
from producer import Actions
from producer.langchain import get_tools

actions = Actions.from_env()
result = actions.execute_tool(
    identifier="env_user",
    tool_name="hubspot_contact_create",
    tool_input={"email": "env@acme.io", "firstname": "Env"},
)
tools = get_tools(identifier="env_user")
print(json.dumps({"email": result["properties"]["email"], "tools": len(tools)}))
"""


@pytest.fixture
def running(tmp_path: Path) -> Iterator[RunProcess]:
    run = RunProcess(tmp_path)
    run.start()
    try:
        yield run
    finally:
        run.stop()


def _in_dir(run: RunProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=run.directory,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_actions_from_env_and_get_tools_find_the_run(running: RunProcess) -> None:
    """In a run's directory, with no settings, from_env() executes a tool and get_tools() works."""
    running.connect("env_user")
    out = _in_dir(running, "-c", CLIENT)
    assert out.returncode == 0, out.stderr[-3000:]
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    assert answer["email"] == "env@acme.io"
    assert answer["tools"] >= 11


def test_the_env_file_is_private_and_names_a_stable_socket(running: RunProcess) -> None:
    """The env file is 0600 and points at .hubspot-actions/redis.sock and the sandbox."""
    env_file = running.directory / ".hubspot-actions" / "env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    text = env_file.read_text()
    socket = (running.directory / ".hubspot-actions" / "redis.sock").resolve()
    assert f'REDIS_URL="unix://{socket}"' in text
    assert f'HUBSPOT_API_BASE="{running.sandbox}"' in text
    assert socket.exists()


def test_connections_show_prints_what_the_run_uses(running: RunProcess) -> None:
    """``connections show`` in the run's directory shows the sandbox, not app.hubspot.com."""
    out = _in_dir(running, "-m", "cli", "connections", "show")
    assert out.returncode == 0, out.stderr
    assert f"API base:         {running.sandbox}" in out.stdout
    assert "local-sandbox-app" in out.stdout
    assert "app.hubspot.com" not in out.stdout


def test_a_stopped_run_leaves_no_env_file_and_clients_say_so(tmp_path: Path) -> None:
    """After a clean stop the env file is gone; a stale one (killed run) gives a clear error."""
    run = RunProcess(tmp_path)
    run.start()
    env_file = tmp_path / ".hubspot-actions" / "env"
    text = env_file.read_text()
    run.stop()
    assert not env_file.exists()
    env_file.write_text(text)  # what a SIGKILLed run leaves behind
    out = _in_dir(run, "-c", "from producer import Actions; Actions.from_env()")
    assert out.returncode != 0
    assert "no longer running" in out.stderr
