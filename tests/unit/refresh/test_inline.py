"""The inline refresh (``refresh_now``) and the token provider in front of it: single-flight."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from core.errors import AccountRevoked
from schemas.accounts import AccountStatus
from tests.unit.refresh.harness import TTL_S, Harness
from worker.refresh.errors import RefreshDeferred
from worker.refresh.lock import RefreshLock
from worker.refresh.tokens import DEFAULT_INLINE_MARGIN, TokenProvider, inline_margin


def test_a_version_someone_else_replaced_is_returned_not_refreshed(h: Harness) -> None:
    """The caller asked to replace version 1; version 2 already landed: no second call."""
    acc = h.connect("u1")
    first = h.refresher.refresh_now(acc, stale_version=1)
    again = h.refresher.refresh_now(acc, stale_version=1)
    assert first.version == again.version == 2
    assert again.access_token.get_secret_value() == first.access_token.get_secret_value()
    assert len(h.endpoint.sent) == 1
    assert h.counts() == {"hubspot_actions_token_refreshes|outcome=ok,trigger=inline": 1}


def test_a_waiter_rereads_after_the_holder_releases(h: Harness) -> None:
    """Another process holds the lock and lands version 2: the waiter returns it, no call."""
    acc = h.connect("u1")
    other = RefreshLock(client=h.redis)
    held = other.acquire(acc)
    assert held is not None

    def holder() -> None:
        time.sleep(0.15)
        tokens = h.vault.load(acc)
        assert tokens is not None
        with h.db.write() as conn:
            h.vault.swap(
                conn,
                account_id=acc,
                expected_version=1,
                access="C-from-the-other-process",
                refresh=tokens.refresh_token.get_secret_value(),
                expires_at=h.clock.now() + timedelta(seconds=TTL_S),
            )
        other.release(acc, held)

    thread = threading.Thread(target=holder)
    thread.start()
    got = h.refresher.refresh_now(acc, stale_version=1)
    thread.join()
    assert got.version == 2
    assert got.access_token.get_secret_value() == "C-from-the-other-process"
    assert h.endpoint.sent == []


def test_a_lock_held_past_the_wait_defers_the_caller(h: Harness) -> None:
    """A holder that never finishes: the caller gives up for now with a retryable error."""
    acc = h.connect("u1")
    assert RefreshLock(client=h.redis).acquire(acc) is not None
    with pytest.raises(RefreshDeferred) as caught:
        h.refresher.refresh_now(acc, stale_version=1)
    assert caught.value.retryable
    assert h.endpoint.sent == []


def test_a_waiter_finding_the_account_revoked_fails_with_its_code(h: Harness) -> None:
    """After the holder's refresh was rejected, a waiter neither calls HubSpot nor retries."""
    acc = h.connect("u1")
    with h.db.write() as conn:
        h.accounts.set_status(conn, account_id=acc, status=AccountStatus.REVOKED, reason="gone")
    with pytest.raises(AccountRevoked):
        h.refresher.refresh_now(acc, stale_version=1)
    assert h.endpoint.sent == []


def test_the_provider_refreshes_a_token_inside_its_margin(h: Harness) -> None:
    """A token expiring within the safety margin is refreshed before use; a fresh one is not."""
    fresh = h.connect("fresh")
    stale = h.connect("stale", expires_in=30)
    provider = TokenProvider(
        vault=h.vault, refresher=h.refresher, margin=timedelta(seconds=60), clock=h.clock
    )
    assert provider.get(fresh).version == 1
    assert provider.get(stale).version == 2
    assert len(h.endpoint.sent) == 1


def test_a_forced_refresh_after_a_401_replaces_the_version_used(h: Harness) -> None:
    """Two 401s for the same version (two threads) cost one refresh."""
    acc = h.connect("u1")
    provider = TokenProvider(vault=h.vault, refresher=h.refresher, clock=h.clock)
    first = provider.force_refresh(acc, stale_version=1)
    second = provider.force_refresh(acc, stale_version=1)
    assert first is not None
    assert second is not None
    assert first.version == second.version == 2
    assert len(h.endpoint.sent) == 1


def test_the_inline_margin_stays_inside_the_scheduled_margin() -> None:
    """Jobs refresh inline only after the scheduler's own chance (half its margin, <= 60 s)."""
    assert inline_margin(300) == DEFAULT_INLINE_MARGIN
    assert inline_margin(10) == timedelta(seconds=5)
    assert inline_margin(0) == timedelta(0)
