"""One pipeline stack shared by the tools, execution and clients tests (issue 6).

Starting web, worker, scheduler and a sandbox costs a few seconds, so the three test packages
share one stack for the whole session: the first fixture that asks starts it, the session's end
stops it. It has a private Redis server (other tests flush the shared test database) and a fresh
PostgreSQL schema, and a short HubSpot read timeout so that "latency beyond the read timeout"
rows of DESIGN.md section 7 take a second or two, not thirty.

Tests that inject sandbox faults clear them afterwards (the ``clear_faults`` fixture).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest

from store.db import Database
from tests.support.stack import Stack, isolated_stack

#: The worker's HubSpot read timeout in the shared stack, and a latency safely beyond it.
READ_TIMEOUT_S = 1.5
LATENCY_BEYOND_TIMEOUT_MS = 2500

_state: dict[str, Any] = {}
_counter = itertools.count(1)


def shared_stack(config: pytest.Config) -> Stack:
    """The session's shared stack, started on first use."""
    if "stack" in _state:
        stack: Stack = _state["stack"]
        return stack
    resources = ExitStack()
    try:
        stack = resources.enter_context(
            isolated_stack(
                "ha-tools-stack-",
                extra_env={"HUBSPOT_READ_TIMEOUT_S": str(READ_TIMEOUT_S), "WORKER_THREADS": "6"},
            )
        )
    except BaseException:
        resources.close()
        raise
    _state["stack"] = stack
    config.add_cleanup(resources.close)
    config.add_cleanup(_state.clear)
    return stack


def shared_redis_url() -> str:
    """The shared stack's private Redis server (started by ``shared_stack``)."""
    stack: Stack = _state["stack"]
    return stack.env["REDIS_URL"]


def unique(prefix: str) -> str:
    """A fresh identifier (or email local part) so tests never see each other's data."""
    return f"{prefix}_{next(_counter)}_{uuid.uuid4().hex[:6]}"


def connected(stack: Stack, prefix: str) -> tuple[str, int]:
    """A new identifier connected to a new portal: ``(identifier, hub_id)``."""
    identifier = unique(prefix)
    account = stack.connect(identifier)
    assert account["status"] == "ACTIVE", account
    return identifier, int(account["hub_id"])


def status_count(stack: Stack, route: str, status: int | str) -> int:
    """How many requests the sandbox answered on ``route`` (e.g. ``"POST /crm/v3/objects/
    contacts"``) with ``status`` so far."""
    requests: dict[str, dict[str, int]] = stack.sandbox.control.stats()["requests"]
    return int(requests.get(route, {}).get(str(status), 0))


def request_count(stack: Stack, route: str) -> int:
    """How many requests the sandbox answered (or dropped) on ``route`` so far."""
    requests: dict[str, dict[str, int]] = stack.sandbox.control.stats()["requests"]
    return sum(requests.get(route, {}).values())


def crm_calls(stack: Stack, hub_id: int) -> int:
    """CRM record calls the sandbox admitted for a portal (a valid token presented; the portal
    schema reads made when it connects are not counted)."""
    calls: dict[str, int] = stack.sandbox.control.stats()["crm_object_requests"]
    return int(calls.get(str(hub_id), 0))


def connect_account(stack: Stack, prefix: str) -> dict[str, Any]:
    """A new identifier connected to a new portal: the account view."""
    account = stack.connect(unique(prefix))
    assert account["status"] == "ACTIVE", account
    return account


def submit_ok(
    stack: Stack, identifier: str, tool: str, tool_input: dict[str, Any], **kw: Any
) -> str:
    """Submit a job that must be accepted; its id."""
    response = stack.submit(identifier, tool, tool_input, **kw)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job"]["id"]
    return job_id


def run_job(stack: Stack, identifier: str, tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    """Submit a job and wait for it to end; the final job view."""
    job = stack.wait(submit_ok(stack, identifier, tool, tool_input), timeout=30)
    assert job["status"] in ("succeeded", "failed", "cancelled"), job
    return job


_workers = itertools.count(1)


@contextmanager
def database(stack: Stack) -> Iterator[Database]:
    db = Database(stack.database_url)
    try:
        yield db
    finally:
        db.dispose()


@contextmanager
def worker_stopped(stack: Stack) -> Iterator[None]:
    """No worker runs inside the block; a fresh one starts when it ends."""
    current = [name for name in stack.processes if name.startswith("worker")][-1]
    stack.processes[current].stop()
    try:
        yield
    finally:
        stack.start(f"worker_{next(_workers)}", "worker").wait_log("worker.started")
