"""The scheduled refresh (``run_scheduled``): when it calls HubSpot, where it leaves the account."""

from __future__ import annotations

from datetime import timedelta

from schemas.accounts import AccountStatus
from tests.unit.refresh.harness import MARGIN_S, TTL_S, Harness
from worker.refresh.lock import RefreshLock
from worker.refresh.refresher import BUSY_RECHECK_S


def _make_due(h: Harness) -> None:
    h.clock.advance(TTL_S - MARGIN_S)


def test_a_due_refresh_stores_the_new_tokens_and_reschedules(h: Harness) -> None:
    """New tokens land as version 2, the account is ACTIVE and due again margin before expiry."""
    acc = h.connect("u1")
    _make_due(h)
    h.refresher.run_scheduled(acc, 1)
    tokens = h.vault.load(acc)
    assert tokens is not None
    assert tokens.version == 2
    assert tokens.expires_at == h.clock.now() + timedelta(seconds=TTL_S)
    record = h.accounts.get_by_id(acc)
    assert record is not None
    assert record.status is AccountStatus.ACTIVE
    assert record.last_refreshed_at == h.clock.now()
    assert record.token_expires_at == tokens.expires_at
    due = h.due(acc)
    assert due is not None
    expires = tokens.expires_at.timestamp()
    assert expires - MARGIN_S - 30 <= due <= expires - MARGIN_S
    assert len(h.endpoint.sent) == 1
    assert h.counts() == {"hubspot_actions_token_refreshes|outcome=ok,trigger=scheduled": 1}


def test_a_message_for_a_replaced_version_does_nothing(h: Harness) -> None:
    """A stale message (version 1 after version 2 landed) sends nothing and moves no entry."""
    acc = h.connect("u1")
    _make_due(h)
    h.refresher.run_scheduled(acc, 1)
    due = h.due(acc)
    h.refresher.run_scheduled(acc, 1)
    assert len(h.endpoint.sent) == 1
    assert h.version(acc) == 2
    assert h.due(acc) == due


def test_a_token_that_is_not_due_is_only_rescheduled(h: Harness) -> None:
    """A spurious entry for a fresh token calls nothing and puts the account back at its due."""
    acc = h.connect("u1")
    h.schedule.remove(acc)
    h.refresher.run_scheduled(acc, 1)
    assert h.endpoint.sent == []
    due = h.due(acc)
    assert due is not None
    assert due <= h.clock.time() + TTL_S - MARGIN_S


def test_a_held_lock_defers_to_its_holder_and_looks_again_later(h: Harness) -> None:
    """Another process refreshing: no call now; the account is re-checked a few seconds later."""
    acc = h.connect("u1")
    _make_due(h)
    h.schedule.remove(acc)
    assert RefreshLock(client=h.redis).acquire(acc) is not None
    h.refresher.run_scheduled(acc, 1)
    assert h.endpoint.sent == []
    assert h.due(acc) == h.clock.time() + BUSY_RECHECK_S


def test_accounts_that_cannot_run_jobs_leave_the_schedule(h: Harness) -> None:
    """A disconnected (or revoked, or unknown) account is dropped, with no HubSpot call."""
    acc = h.connect("u1")
    _make_due(h)
    with h.db.write() as conn:
        h.accounts.set_status(
            conn, account_id=acc, status=AccountStatus.DISCONNECTED, reason="operator"
        )
    h.refresher.run_scheduled(acc, 1)
    h.refresher.run_scheduled("acc_unknown", None)
    assert h.endpoint.sent == []
    assert h.due(acc) is None
    assert h.due("acc_unknown") is None


def test_rotated_refresh_tokens_are_stored_and_used_next_time(h: Harness) -> None:
    """With rotation on, each refresh sends the refresh token the previous response returned."""
    h.endpoint.rotate = True
    acc = h.connect("u1")
    for version in (1, 2, 3):
        _make_due(h)
        h.refresher.run_scheduled(acc, version)
    assert h.version(acc) == 4
    assert len(set(h.endpoint.sent)) == 3
    tokens = h.vault.load(acc)
    assert tokens is not None
    assert tokens.refresh_token.get_secret_value() in h.endpoint.valid


def test_a_margin_longer_than_half_the_token_life_refreshes_at_half_life(h: Harness) -> None:
    """Short-lived tokens (100 s) with a 300 s margin are not all due at once: half-life."""
    acc = h.connect("u1")
    h.endpoint.expires_in = 100
    _make_due(h)
    h.refresher.run_scheduled(acc, 1)
    due = h.due(acc)
    assert due is not None
    expires = h.clock.time() + 100
    assert expires - 50 - 5 <= due <= expires - 50
