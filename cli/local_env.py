"""``.hubspot-actions/env``: how the other commands of a directory find its ``run`` (DESIGN s17).

``run`` writes the settings its children got that a client needs too: the embedded Redis's
socket, the database, the web's port and URL, the token key file and, when it started the
sandbox, the sandbox app's ``HUBSPOT_*`` settings. ``core.settings.load_local_settings`` reads it
for ``Actions.from_env()``, the LangChain tools, ``mcp``, ``connections show`` and the job
commands whenever the environment leaves a variable unset.

The file is 0600 and holds the sandbox app's secret (a local stand-in's, never an operator's: a
BYOC client secret is not written here). A clean stop removes it, so a stale file cannot point
a client at a Redis that is gone; one left by a killed ``run`` is detected by the client (the
socket is missing) and replaced by the next ``run``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from core.settings import LOCAL_ENV_FILE

#: What a client of the local run needs (the rest keeps its defaults).
CLIENT_KEYS = (
    "REDIS_URL",
    "DATABASE_URL",
    "PORT",
    "TOKEN_KEY_FILE",
)
#: Written only when ``run`` started the sandbox (they are the sandbox app's, not the operator's).
SANDBOX_KEYS = (
    "HUBSPOT_CLIENT_ID",
    "HUBSPOT_CLIENT_SECRET",
    "HUBSPOT_API_BASE",
    "HUBSPOT_AUTHORIZE_URL",
)


def write_local_env(
    values: Mapping[str, str], *, sandbox: bool, path: Path = LOCAL_ENV_FILE
) -> Path:
    """Write the env file atomically with mode 0600; returns its path."""
    keys = CLIENT_KEYS + (SANDBOX_KEYS if sandbox else ())
    lines = ["# Written by `hubspot-actions run`; removed when it stops. Do not edit."]
    lines += [f"{key}={_quoted(values[key])}" for key in keys if values.get(key)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    tmp.replace(path)
    return path


def remove_local_env(path: Path = LOCAL_ENV_FILE) -> None:
    path.unlink(missing_ok=True)


def _quoted(value: str) -> str:
    """Double-quoted for python-dotenv (what pydantic-settings reads env files with)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
