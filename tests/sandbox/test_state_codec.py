"""The state serializer: every persisted container survives dump -> JSON -> load unchanged."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from sandbox.clock import Clock
from sandbox.config import SandboxConfig
from sandbox.crm.records import Record
from sandbox.oauth.tokens import AuthCode
from sandbox.persistence import snapshot
from sandbox.persistence.codec import DecodeError, from_plain, to_plain
from sandbox.state import Sandbox

SCOPES = ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write"]


def _populated() -> Sandbox:
    """A sandbox with an app, two portals, a consent, a refresh, a pending code and records."""
    sandbox = Sandbox(SandboxConfig(), clock=Clock(wall=lambda: 1_800_000_000.0))
    registry = sandbox.registry
    app = registry.register_app(
        {
            "client_id": "c1",
            "client_secret": "s1",
            "redirect_uris": ["http://x/cb"],
            "scopes": SCOPES,
            "optional_scopes": ["crm.objects.deals.read"],
        }
    )
    registry.create_portal({"lacks_scopes": ["crm.objects.deals.read"]})
    hub_id = registry.create_portal({}).hub_id
    code = sandbox.tokens.issue_code(app, "http://x/cb", hub_id, tuple(SCOPES))
    _, refresh = sandbox.tokens.exchange_code(app, code, "http://x/cb")
    sandbox.clock.advance(60)
    sandbox.tokens.refresh_grant(app, refresh.token)
    sandbox.tokens.issue_code(app, "http://x/cb", hub_id, ("oauth",), code_challenge="C" * 43)
    contacts = sandbox.store(hub_id, "contacts")
    contacts.create({"email": "Ada@Example.com", "firstname": "Ada"}, sandbox.clock.now_ms())
    gone = contacts.create({"email": "old@example.com"}, sandbox.clock.now_ms())
    contacts.archive(gone, sandbox.clock.now_ms())
    sandbox.store(hub_id, "deals").create({"dealname": "Big"}, sandbox.clock.now_ms())
    return sandbox


def _reloaded(original: Sandbox) -> Sandbox:
    taken = snapshot.take(original, full=True)
    sections = json.loads(json.dumps(taken.sections))
    records = [(key, json.loads(json.dumps(data))) for key, data in taken.records.items()]
    fresh = Sandbox(SandboxConfig(), clock=Clock(wall=lambda: 1_800_000_000.0))
    snapshot.restore(fresh, sections, records)
    return fresh


def test_registry_round_trips() -> None:
    """Apps, portals (with lacking features) and the next app and hub ids come back equal."""
    original = _populated()
    loaded = _reloaded(original)
    assert loaded.registry.apps == original.registry.apps
    assert loaded.registry.portals == original.registry.portals
    assert loaded.registry.next_hub_id == original.registry.next_hub_id == 20000003
    assert loaded.registry.next_app_id == original.registry.next_app_id == 3000002


def test_tokens_round_trip_with_their_chain() -> None:
    """Access, refresh tokens and codes come back field for field; a chain stays shared."""
    original = _populated()
    loaded = _reloaded(original)
    assert loaded.tokens.access.keys() == original.tokens.access.keys()
    assert len(loaded.tokens.access) == 2
    for token, access in original.tokens.access.items():
        again = loaded.tokens.access[token]
        assert to_plain(again, skip=frozenset({"chain"})) == to_plain(
            access, skip=frozenset({"chain"})
        )
    (refresh,) = loaded.tokens.refresh.values()
    assert all(a.chain is refresh.chain for a in loaded.tokens.access.values())
    assert refresh.chain.newest is not None
    assert refresh.chain.previous is not None
    assert refresh.chain.newest.issued_at - refresh.chain.previous.issued_at == 60
    assert loaded.tokens.codes == original.tokens.codes
    (code,) = loaded.tokens.codes.values()
    assert code.code_challenge == "C" * 43


def test_uninstall_still_kills_everything_after_a_reload() -> None:
    """The per-install index is rebuilt, so an uninstall after a restart kills every token."""
    loaded = _reloaded(_populated())
    loaded.tokens.uninstall("c1", 20000002)
    assert (loaded.tokens.access, loaded.tokens.refresh, loaded.tokens.codes) == ({}, {}, {})


def test_records_counter_and_clock_round_trip() -> None:
    """Records (archived too), the email index, the id counter and the clock offset come back."""
    original = _populated()
    loaded = _reloaded(original)
    assert loaded.next_record_id == original.next_record_id == 10004
    assert loaded.clock.offset == 60.0
    contacts = loaded.store(20000002, "contacts")
    assert [r.id for r in contacts.all()] == [10001, 10002]
    ada = contacts.by_email("ada@example.com")
    assert ada is not None
    assert ada.values["firstname"] == "Ada"
    assert contacts.by_email("old@example.com") is None
    assert contacts.get(10002, archived=True) is not None
    original_records = original.store(20000002, "contacts").all()
    assert [to_plain(r) for r in contacts.all()] == [to_plain(r) for r in original_records]
    (deal,) = loaded.store(20000002, "deals").all()
    assert deal.values["dealname"] == "Big"
    assert loaded.store(20000002, "contacts").changed == set()


def test_incremental_snapshot_holds_only_changed_records() -> None:
    """After a snapshot drains them, the next one carries only records written since."""
    sandbox = _populated()
    assert len(snapshot.take(sandbox, full=False).records) == 3
    contacts = sandbox.store(20000002, "contacts")
    ada = contacts.get(10001)
    assert ada is not None
    contacts.update(ada, {"lastname": "Lovelace"}, sandbox.clock.now_ms())
    again = snapshot.take(sandbox, full=False)
    assert list(again.records) == [(20000002, "contacts", 10001)]
    assert again.records[(20000002, "contacts", 10001)]["values"]["lastname"] == "Lovelace"
    assert snapshot.take(sandbox, full=False).records == {}


def test_missing_sections_and_fields_take_defaults() -> None:
    """An older file without a section, or a code without ``code_challenge``, still loads."""
    sandbox = Sandbox(SandboxConfig())
    old_code = {
        "code": "k",
        "client_id": "c",
        "redirect_uri": "u",
        "hub_id": 1,
        "scopes": ["oauth"],
        "expires_at": 5,
    }
    snapshot.restore(sandbox, {"tokens": {"codes": [old_code]}}, [])
    assert sandbox.tokens.codes["k"] == AuthCode("k", "c", "u", 1, ("oauth",), 5.0, None)
    assert sandbox.next_record_id == 10001
    assert sandbox.registry.apps == {}


@dataclass
class _Future:
    """A container like the ones another branch adds: nested dicts keyed by ints."""

    by_portal: dict[int, list[str]]
    flags: frozenset[str] = frozenset()
    history: list[tuple[str, int]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def test_codec_handles_int_keys_nesting_and_defaults() -> None:
    """Non-string dict keys, tuples in lists and missing defaulted fields survive JSON."""
    value = _Future({7: ["a"]}, frozenset({"y", "x"}), [("p", 1)], {"k": [1, None]})
    plain = json.loads(json.dumps(to_plain(value)))
    assert from_plain(_Future, plain) == value
    assert from_plain(_Future, {"by_portal": []}) == _Future({})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "missing field 'id'"),
        ({"id": "x", "values": {}, "created_ms": 1, "updated_ms": 1}, "Record.id"),
        ([], "expected an object"),
    ],
)
def test_codec_names_what_is_wrong(data: Any, message: str) -> None:
    """Data that does not fit its type is a DecodeError naming the field."""
    with pytest.raises(DecodeError, match=message):
        from_plain(Record, data)
