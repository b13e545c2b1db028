"""One stack (PostgreSQL, test Redis) shared by the flow tests of this package.

The flow tests only add accounts with unique identifiers and clear the faults they inject, so
they can share a stack; tests that reconfigure or restart processes live one level up, each with
its own stack.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.accounts_stack import AccountsStack, accounts_stack

#: Where the callback may send users after a connection (OAUTH_RETURN_URL_ALLOWLIST).
RETURN_URL = "https://app.example.test/hubspot/connected"


@pytest.fixture(scope="package")
def acc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AccountsStack]:
    with accounts_stack(
        tmp_path_factory.mktemp("accounts-flows"),
        extra_env={"OAUTH_RETURN_URL_ALLOWLIST": RETURN_URL},
    ) as stack:
        yield stack
