"""Accounts, states, vault and keyring below the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import queue
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.settings import load_settings
from producer.accounts import return_url_allowed
from producer.views import account_view
from schemas.connection import Connection, default_scopes
from store.accounts import AccountStore
from store.db import Database
from store.keyring import Keyring, generate_key_spec, load_keyring
from store.models import oauth_states, tokens
from store.oauth_states import OAuthStateStore, StateRejected, state_hash
from store.vault import TokenVault
from tests.support.accounts_race import race

PROCESSES = 4
ROUNDS = 12


def test_get_or_create_is_atomic_across_processes(db: Database) -> None:
    """Four processes racing on each of twelve identifiers: one account each, no error."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    identifiers = [f"proc_race_{i}" for i in range(ROUNDS)]
    children = [
        ctx.Process(target=race, args=(db.url, identifiers, barrier, results))
        for _ in range(PROCESSES)
    ]
    for child in children:
        child.start()
    outcomes: list[tuple[str, str, str]] = []
    try:
        for _ in range(PROCESSES * ROUNDS):
            outcomes.append(results.get(timeout=90))
    except queue.Empty:
        pytest.fail(f"children stopped answering after {len(outcomes)} results")
    finally:
        for child in children:
            child.join(30)
    errors = [o for o in outcomes if o[1] != "ok"]
    assert errors == []
    by_identifier: dict[str, set[str]] = {}
    for identifier, _, account_id in outcomes:
        by_identifier.setdefault(identifier, set()).add(account_id)
    assert {k: len(v) for k, v in by_identifier.items()} == dict.fromkeys(identifiers, 1)
    store = AccountStore(db=db)
    page, _ = store.list_page(limit=100)
    assert sorted(a.identifier for a in page) == sorted(identifiers)


def _account(db: Database, identifier: str) -> str:
    return AccountStore(db=db).get_or_create(connection_name="hubspot", identifier=identifier).id


def test_state_pointed_at_another_account_is_refused_and_burnt(db: Database) -> None:
    """The state carries its account: a row re-pointed elsewhere is refused, then replayed."""
    alice, bob = _account(db, "alice"), _account(db, "bob")
    states = OAuthStateStore(db=db)
    state, _ = states.issue(account_id=alice)
    with db.write() as conn:
        conn.execute(
            update(oauth_states)
            .where(oauth_states.c.state_hash == state_hash(state))
            .values(account_id=bob)
        )
    with pytest.raises(StateRejected) as info:
        states.consume(state)
    assert info.value.reason == "wrong_account"
    with pytest.raises(StateRejected) as again:
        states.consume(state)
    assert again.value.reason == "replayed"


def test_tampered_state_is_unknown_and_untouched_state_still_works(db: Database) -> None:
    """Changing any part of a state (nonce or account tag) makes it unknown."""
    acc = _account(db, "u")
    states = OAuthStateStore(db=db)
    state, _ = states.issue(account_id=acc)
    nonce, tag = state.split(".")
    for tampered in (f"{nonce}x.{tag}", f"{nonce}.{tag[:-1]}A", nonce, f"{state}.x"):
        with pytest.raises(StateRejected) as info:
            states.consume(tampered)
        assert info.value.reason == "unknown"
    assert states.consume(state).account_id == acc


def test_voided_states_become_unknown(db: Database) -> None:
    """A disconnect forgets the account's open links; other accounts' links keep working."""
    a, b = _account(db, "a"), _account(db, "b")
    states = OAuthStateStore(db=db)
    state_a, _ = states.issue(account_id=a)
    state_b, _ = states.issue(account_id=b)
    with db.write() as conn:
        assert states.void_for_account(conn, account_id=a) == 1
    with pytest.raises(StateRejected) as info:
        states.consume(state_a)
    assert info.value.reason == "unknown"
    assert states.consume(state_b).account_id == b


def _put(vault: TokenVault, db: Database, account_id: str, suffix: str) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=30)
    with db.write() as conn:
        vault.put(
            conn,
            account_id=account_id,
            access=f"access-{suffix}",
            refresh=f"refresh-{suffix}",
            expires_at=expires,
        )


def test_rotation_reports_unreadable_rows_and_carries_on(db: Database) -> None:
    """A row no key decrypts is reported and skipped; every other row moves to the primary."""
    old, new = generate_key_spec("old"), generate_key_spec("new")
    ids = [_account(db, f"rot_{i}") for i in range(5)]
    old_vault = TokenVault(db=db, keyring=Keyring.parse(old))
    for i, account_id in enumerate(ids):
        _put(old_vault, db, account_id, str(i))
    with db.write() as conn:  # row 2 gets row 1's ciphertext: bound to another account
        row1 = conn.execute(select(tokens).where(tokens.c.account_id == ids[1])).one()
        conn.execute(
            update(tokens)
            .where(tokens.c.account_id == ids[2])
            .values(access_token_ct=row1.access_token_ct)
        )
    rotating = TokenVault(db=db, keyring=Keyring.parse(f"{new},{old}"))
    report = rotating.rotate(batch_size=2)
    assert report.rotated == 4
    assert report.unreadable == (ids[2],)
    assert report.key_usage == {"new": 4, "old": 1}
    assert not report.retired("new")
    only_new = TokenVault(db=db, keyring=Keyring.parse(new))
    for i in (0, 1, 3, 4):
        loaded = only_new.load(ids[i])
        assert loaded is not None
        assert loaded.access_token.get_secret_value() == f"access-{i}"
        assert loaded.version == 1  # rotation does not look like a refresh


def test_rotation_never_overwrites_a_newer_token(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh landing between rotation's read and write wins; rotation leaves it alone."""
    old, new = generate_key_spec("old"), generate_key_spec("new")
    account_id = _account(db, "raced")
    _put(TokenVault(db=db, keyring=Keyring.parse(old)), db, account_id, "first")
    rotating = TokenVault(db=db, keyring=Keyring.parse(f"{new},{old}"))
    real_seal = rotating._seal

    def seal_then_refresh(account: str, access: str, refresh: str) -> dict[str, object]:
        sealed = real_seal(account, access, refresh)
        if access == "access-first":  # a refresh by an up-to-date process sneaks in
            with db.write() as conn:
                rotating.swap(
                    conn,
                    account_id=account,
                    expected_version=1,
                    access="access-second",
                    refresh="refresh-second",
                    expires_at=datetime.now(UTC) + timedelta(minutes=30),
                )
        return sealed

    monkeypatch.setattr(rotating, "_seal", seal_then_refresh)
    report = rotating.rotate()
    assert report.rotated == 0
    assert report.retired("new")
    loaded = TokenVault(db=db, keyring=Keyring.parse(new)).load(account_id)
    assert loaded is not None
    assert loaded.access_token.get_secret_value() == "access-second"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://app.example.test/done", True),
        ("https://app.example.test/done?tab=1", True),
        ("https://APP.example.test/done/deeper", True),
        ("https://app.example.test/done-evil", False),
        ("https://app.example.test.evil.test/done", False),
        ("https://app.example.test:8443/done", False),
        ("http://app.example.test/done", False),
        ("https://user@app.example.test/done", False),
        ("https://evil.test/?u=https://app.example.test/done", False),
        ("https://app.example.test/done\\@evil.test", False),
        ("javascript:alert(1)//app.example.test/done", False),
        ("https://app.example.test:99999/done", False),
    ],
)
def test_return_urls_are_matched_by_parts(url: str, allowed: bool) -> None:
    """Scheme, host and port must be equal; the path must be at or under the entry's path."""
    assert return_url_allowed(url, ("https://app.example.test/done",)) is allowed


def test_keyring_file_created_once_under_a_race(tmp_path: Path) -> None:
    """Eight threads finding no key file all end up with the same key."""
    path = tmp_path / "state" / "token-keys"
    rings: list[Keyring] = []
    barrier = threading.Barrier(8)

    def load() -> None:
        barrier.wait()
        rings.append(load_keyring(configured=None, key_file=path, production=False))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    key_id, blob = rings[0].encrypt("x", account_id="a", field="f")
    assert all(r.decrypt(blob, key_id=key_id, account_id="a", field="f") == "x" for r in rings)
    assert [p.name for p in path.parent.iterdir()] == ["token-keys"]


def test_scope_change_recomputes_missing_scopes(db: Database) -> None:
    """An account granted today's scopes needs re-auth, naming the scope, once one is added."""
    store = AccountStore(db=db)
    account_id = _account(db, "drift")
    with db.write() as conn:
        store.activate(
            conn,
            account_id=account_id,
            hub_id=1,
            granted_scopes=default_scopes(),
            token_expires_at=datetime.now(UTC) + timedelta(minutes=30),
        )
    record = store.get_by_id(account_id)
    assert record is not None
    today = Connection.from_settings(load_settings(hubspot_scopes=None))
    tomorrow = Connection.from_settings(
        load_settings(hubspot_scopes=[*default_scopes(), "crm.schemas.deals.read"])
    )
    assert account_view(record, today).needs_reauth is False
    drifted = account_view(record, tomorrow)
    assert drifted.needs_reauth is True
    assert drifted.missing_scopes == ["crm.schemas.deals.read"]
    assert drifted.status == "ACTIVE"


def test_link_carries_optional_scopes_when_configured() -> None:
    """HUBSPOT_OPTIONAL_SCOPES goes into ``optional_scope``, space-separated like ``scope``."""
    connection = Connection.from_settings(
        load_settings(
            hubspot_client_id="cid",
            hubspot_client_secret="s" * 20,
            hubspot_optional_scopes="crm.schemas.deals.read,crm.schemas.contacts.read",
        )
    )
    link = connection.authorization_url("st.ate")
    assert "optional_scope=crm.schemas.deals.read%20crm.schemas.contacts.read" in link
    assert f"scope={'%20'.join(default_scopes())}" in link
    assert link.endswith("&state=st.ate")
