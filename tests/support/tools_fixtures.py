"""Fixtures of the tools, execution and clients packages, a plugin of ``tests/conftest.py``.

Directories with a stack of their own (e2e, webhooks) override ``stack`` in their conftest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from producer import Actions
from tests.support.stack import Stack
from tests.support.tools_stack import shared_stack


@pytest.fixture(scope="session")
def stack(pytestconfig: pytest.Config) -> Stack:
    """The shared pipeline stack (started once per session)."""
    return shared_stack(pytestconfig)


@pytest.fixture
def clear_faults(stack: Stack) -> Iterator[None]:
    """Clears every sandbox fault after the test, whatever happened."""
    stack.sandbox.control.clear_faults()
    yield
    stack.sandbox.control.clear_faults()


@pytest.fixture
def http_actions(stack: Stack) -> Iterator[Actions]:
    """``Actions`` over HTTP against the shared stack."""
    with Actions(base_url=stack.base_url, api_key=stack.api_key) as actions:
        yield actions


@pytest.fixture
def inprocess_actions(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Actions]:
    """``Actions.from_env()`` with the stack's settings in this process's environment."""
    for key, value in stack.env.items():
        if key.startswith(("DATABASE_", "REDIS_", "HUBSPOT_", "TOKEN_", "PORT")):
            monkeypatch.setenv(key, value)
    with Actions.from_env() as actions:
        yield actions


@pytest.fixture(params=["http", "inprocess"])
def actions(request: pytest.FixtureRequest) -> Actions:
    """Each client test runs over HTTP and in-process: both modes behave the same."""
    name = "http_actions" if request.param == "http" else "inprocess_actions"
    chosen: Actions = request.getfixturevalue(name)
    return chosen
