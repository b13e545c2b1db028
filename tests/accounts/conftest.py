"""Fixtures of the accounts, OAuth and vault tests (issue 4).

The stacks themselves are per module (or, under ``flows/``, per package): two stacks must never
run at once, because they share the test Redis database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.accounts_stack import AccountsStack


@pytest.fixture
def clean_faults(acc: AccountsStack) -> Iterator[None]:
    """Whatever a test injects into the sandbox is cleared when it ends."""
    yield
    acc.stack.sandbox.control.clear_faults()
