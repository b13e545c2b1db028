"""The scheduler's refresh duties: due accounts become versioned messages; the sweep restores
accounts that Redis lost."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.accounts import AccountStatus
from tests.unit.refresh.harness import MARGIN_S, Harness
from worker.refresh.schedule import AccountSweep, RefreshEnqueuer


@dataclass
class Sent:
    messages: list[tuple[str, int | None]] = field(default_factory=list)

    def enqueue_refresh(self, account_id: str, version: int | None) -> None:
        self.messages.append((account_id, version))


def test_claimed_accounts_become_messages_naming_their_version(h: Harness) -> None:
    """Each runnable account gets one message with its current version; others get none."""
    one, two, gone = h.connect("one"), h.connect("two"), h.connect("gone")
    h.refresher.refresh_now(two, stale_version=1)
    with h.db.write() as conn:
        h.accounts.set_status(conn, account_id=gone, status=AccountStatus.REVOKED, reason="x")
    sent = Sent()
    RefreshEnqueuer(accounts=h.accounts, dispatcher=sent)([one, two, gone, "acc_unknown"])
    assert sent.messages == [(one, 1), (two, 2)]


def test_the_sweep_restores_missing_accounts_only(h: Harness) -> None:
    """ACTIVE and EXPIRED accounts missing from the schedule come back due from their token's
    expiry; entries present are not moved; revoked accounts stay off."""
    ids = [h.connect(f"u{i}") for i in range(7)]
    with h.db.write() as conn:
        h.accounts.set_status(conn, account_id=ids[1], status=AccountStatus.EXPIRED, reason="x")
        h.accounts.set_status(conn, account_id=ids[2], status=AccountStatus.REVOKED, reason="x")
    h.schedule.add(ids[0], 42.0)
    for account_id in ids[1:]:
        h.schedule.remove(account_id)
    sweep = AccountSweep(accounts=h.accounts, schedule=h.schedule, margin_s=MARGIN_S, page=2)
    assert sweep.run() == 5
    assert h.due(ids[0]) == 42.0
    assert h.due(ids[2]) is None
    for account_id in (ids[1], *ids[3:]):
        meta = h.vault.meta(account_id)
        assert meta is not None
        due = h.due(account_id)
        expires = meta.expires_at.timestamp()
        assert due is not None
        assert expires - MARGIN_S - 30 <= due <= expires - MARGIN_S
    assert sweep.run() == 0
