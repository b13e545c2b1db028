"""``hubspot-actions sandbox --state/--reset``: the command line's side of SANDBOX_STATE."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from sandbox.app import create_app
from sandbox.config import SandboxConfig
from tests.support.ports import free_port


def _cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    return subprocess.run(
        [sys.executable, "-m", "cli", "sandbox", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _state_file(path: Path) -> None:
    app = create_app(SandboxConfig(state_path=path))
    app.sandbox.registry.create_portal({})
    assert app.persistence is not None
    app.persistence.dirty = True
    app.close()


def test_reset_deletes_runs_default_file(tmp_path: Path) -> None:
    """With no --state and no SANDBOX_STATE, --reset deletes run's .hubspot-actions/sandbox.db."""
    state = tmp_path / ".hubspot-actions" / "sandbox.db"
    _state_file(state)
    result = _cli(tmp_path, "--reset")
    assert result.returncode == 0, result.stderr
    assert f"deleted {Path('.hubspot-actions') / 'sandbox.db'}" in result.stdout
    assert not state.exists()


def test_reset_follows_sandbox_state_and_says_when_nothing_is_there(tmp_path: Path) -> None:
    """--reset honours SANDBOX_STATE, and a second reset says there is nothing to delete."""
    state = tmp_path / "mine.db"
    _state_file(state)
    assert _cli(tmp_path, "--reset", SANDBOX_STATE=str(state)).returncode == 0
    assert not state.exists()
    again = _cli(tmp_path, "--reset", SANDBOX_STATE=str(state))
    assert again.returncode == 0
    assert again.stdout.strip() == f"no sandbox state at {state}: nothing to delete"
    memory = _cli(tmp_path, "--reset", "--state", "memory")
    assert memory.stdout.strip() == "sandbox state is in memory: nothing to delete"


def test_reset_refuses_a_foreign_database(tmp_path: Path) -> None:
    """--reset pointed at the product's database refuses (exit 2) and leaves it in place."""
    foreign = tmp_path / "hubspot-actions.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE jobs (id INTEGER)")
    result = _cli(tmp_path, "--reset", "--state", str(foreign))
    assert result.returncode == 2
    assert "SANDBOX_STATE:" in result.stderr
    assert "not a sandbox state file" in result.stderr
    assert "Traceback" not in result.stderr
    assert foreign.exists()


def test_corrupt_state_file_stops_the_sandbox_with_one_message(tmp_path: Path) -> None:
    """A state file that is not SQLite ends the command with exit 2 and a message, no traceback."""
    bad = tmp_path / "sandbox.db"
    bad.write_bytes(b"\x00garbage" * 512)
    result = _cli(tmp_path, "--port", str(free_port()), SANDBOX_STATE=str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith(f"hubspot-actions: SANDBOX_STATE: {bad} is not a sandbox")
    assert "Traceback" not in result.stderr
