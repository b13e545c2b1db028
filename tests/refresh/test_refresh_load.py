"""Many accounts under tool traffic for several token lifetimes, in real time (DESIGN.md s8, s11).

200 accounts, tokens living 16 s, refreshed 6 s ahead: about 12 refreshes a second while jobs run
for three quarters of the accounts (the rest stay idle and must be refreshed all the same).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.refresh_stack import RefreshStack, refresh_stack

pytestmark = [pytest.mark.services, pytest.mark.e2e, pytest.mark.slow]

TOKEN_TTL = 16
MARGIN = 6
ACCOUNTS = 200
LIFETIMES = 3


@pytest.fixture(scope="module")
def rs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RefreshStack]:
    log_dir: Path = tmp_path_factory.mktemp("refresh-load")
    with refresh_stack(log_dir, token_ttl=TOKEN_TTL, margin_s=MARGIN) as stack:
        yield stack


def test_many_accounts_stay_fresh_across_token_lifetimes(rs: RefreshStack) -> None:
    """No call with an expired token, no token refreshed twice, every job succeeds, and idle
    accounts are refreshed from their expiry alone."""
    identifiers = [f"load_{i}" for i in range(ACCOUNTS)]
    with ThreadPoolExecutor(8) as pool:
        accounts = list(pool.map(rs.stack.connect, identifiers))
    assert all(a["status"] == "ACTIVE" for a in accounts)

    # When: tool calls for 150 of them, continuously, for three token lifetimes.
    busy = identifiers[: ACCOUNTS * 3 // 4]
    job_ids = rs.list_traffic(
        busy, seconds=LIFETIMES * TOKEN_TTL, per_tick=25, rng=random.Random(5)
    )
    views = rs.wait_jobs(job_ids, timeout=120)

    # Then
    assert [v for v in views if v["status"] != "succeeded"] == []
    stats = rs.stats()
    assert stats["expired_token_401"] == 0, rs.tail()
    assert stats["double_refreshes"] == 0, rs.tail()
    assert stats["refreshes_per_access_token_max"] == 1
    refreshed = stats["refreshes"]
    too_few = [a["identifier"] for a in accounts if refreshed.get(str(a["hub_id"]), 0) < 2]
    assert too_few == []
    counters = rs.refresh_counters()
    assert counters[("ok", "scheduled")] >= 2 * ACCOUNTS
    assert counters.get(("failed", "scheduled"), 0) == 0
