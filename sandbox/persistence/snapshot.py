"""What of the sandbox persists, as named sections of plain data, and how each is restored.

Persisted: apps and portals (and the next ids), codes and tokens with their refresh chains, the
record id counter, the clock's travel offset, custom properties and pipelines, and records
(written row by row, see ``Snapshot``).
Not persisted: faults, stats and the limits' rolling windows, which describe a moment, not a world.

To persist a new container, add one ``Section`` to ``SECTIONS``: its ``dump`` returns plain data
(``codec.to_plain`` does it for dataclasses) and its ``load`` puts it back; a file written before
the section existed has no entry for it and ``load`` is simply not called.

Token chains are object references (``sandbox.oauth.tokens``), so they are stored as a list and
tokens name their chain by index. A chain whose newest token was revoked before the save loses
that reference; it only affects the double-refresh counters, which do not persist anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.crm.portal import PortalSchema
from sandbox.crm.records import Record
from sandbox.oauth.registry import App, Portal
from sandbox.oauth.tokens import AccessToken, AuthCode, Chain, RefreshToken
from sandbox.persistence.codec import from_plain, to_plain

if TYPE_CHECKING:
    from sandbox.state import Sandbox

#: Where a record row belongs: (hub id, object type, record id).
RecordKey = tuple[int, str, int]

_CHAIN = frozenset({"chain"})


@dataclass(frozen=True, slots=True)
class Section:
    """One persisted part of the sandbox."""

    name: str
    dump: Callable[[Sandbox], Any]
    load: Callable[[Sandbox, Any], None]


@dataclass(slots=True)
class Snapshot:
    """Plain data to write: every section, and the records that changed (all of them when
    ``full``, in which case the file is cleared first)."""

    sections: dict[str, Any]
    records: dict[RecordKey, Any] = field(default_factory=dict)
    full: bool = False


def _dump_registry(sandbox: Sandbox) -> Any:
    registry = sandbox.registry
    return {
        "apps": [to_plain(app) for app in registry.apps.values()],
        "portals": [to_plain(portal) for portal in registry.portals.values()],
        "next_hub_id": registry.next_hub_id,
        "next_app_id": registry.next_app_id,
    }


def _load_registry(sandbox: Sandbox, data: Any) -> None:
    registry = sandbox.registry
    for item in data.get("apps", []):
        app: App = from_plain(App, item)
        registry.apps[app.client_id] = app
    for item in data.get("portals", []):
        portal: Portal = from_plain(Portal, item)
        registry.portals[portal.hub_id] = portal
    registry.next_hub_id = int(data.get("next_hub_id", registry.next_hub_id))
    registry.next_app_id = int(data.get("next_app_id", registry.next_app_id))


def _dump_tokens(sandbox: Sandbox) -> Any:
    book = sandbox.tokens
    chains: dict[int, int] = {}
    listed: list[Chain] = []

    def chain_index(chain: Chain) -> int:
        index = chains.get(id(chain))
        if index is None:
            index = chains[id(chain)] = len(listed)
            listed.append(chain)
        return index

    def dump(token: AccessToken | RefreshToken) -> Any:
        return {**to_plain(token, skip=_CHAIN), "chain": chain_index(token.chain)}

    access = [dump(token) for token in book.access.values()]
    refresh = [dump(token) for token in book.refresh.values()]
    return {
        "access": access,
        "refresh": refresh,
        "codes": [to_plain(code) for code in book.codes.values()],
        "chains": [
            {
                "newest": None if c.newest is None else c.newest.token,
                "previous": None if c.previous is None else c.previous.token,
            }
            for c in listed
        ],
    }


def _load_tokens(sandbox: Sandbox, data: Any) -> None:
    chain_data: list[dict[str, Any]] = data.get("chains", [])
    chains = [Chain() for _ in chain_data]
    access: list[AccessToken] = [
        from_plain(AccessToken, item, extra={"chain": chains[item["chain"]]})
        for item in data.get("access", [])
    ]
    refresh: list[RefreshToken] = [
        from_plain(RefreshToken, item, extra={"chain": chains[item["chain"]]})
        for item in data.get("refresh", [])
    ]
    codes: list[AuthCode] = [from_plain(AuthCode, item) for item in data.get("codes", [])]
    by_token = {token.token: token for token in access}
    for chain, links in zip(chains, chain_data, strict=True):
        chain.newest = by_token.get(links.get("newest") or "")
        chain.previous = by_token.get(links.get("previous") or "")
    sandbox.tokens.restore(access, refresh, codes)


def _dump_counters(sandbox: Sandbox) -> Any:
    return {"next_record_id": sandbox.next_record_id, "clock_offset": sandbox.clock.offset}


def _load_counters(sandbox: Sandbox, data: Any) -> None:
    sandbox.next_record_id = int(data.get("next_record_id", sandbox.next_record_id))
    sandbox.clock.offset = float(data.get("clock_offset", 0.0))


def _dump_schemas(sandbox: Sandbox) -> Any:
    return {str(hub_id): to_plain(schema) for hub_id, schema in sandbox.schemas.items()}


def _load_schemas(sandbox: Sandbox, data: Any) -> None:
    for hub_id, item in data.items():
        sandbox.schemas[int(hub_id)] = from_plain(PortalSchema, item)


#: Every persisted section but records, in load order (tokens name apps and portals).
SECTIONS: tuple[Section, ...] = (
    Section("registry", _dump_registry, _load_registry),
    Section("tokens", _dump_tokens, _load_tokens),
    Section("counters", _dump_counters, _load_counters),
    Section("schemas", _dump_schemas, _load_schemas),
)


def take(sandbox: Sandbox, *, full: bool) -> Snapshot:
    """Copy the sandbox's persisted state out as plain data (call with the state locked).

    Records are drained from each store's ``changed`` set, or all taken when ``full``.
    """
    snapshot = Snapshot({s.name: s.dump(sandbox) for s in SECTIONS}, full=full)
    for (hub_id, object_type), store in sandbox.stores().items():
        ids = store.changed
        store.changed = set()
        records = store.all() if full else (store.record(i) for i in ids)
        for record in records:
            if record is not None:
                snapshot.records[(hub_id, object_type, record.id)] = to_plain(record)
    return snapshot


def restore(
    sandbox: Sandbox, sections: dict[str, Any], records: list[tuple[RecordKey, Any]]
) -> None:
    """Put loaded plain data back into a freshly built sandbox."""
    for section in SECTIONS:
        if section.name in sections:
            section.load(sandbox, sections[section.name])
    grouped: dict[tuple[int, str], list[Record]] = {}
    for (hub_id, object_type, _), data in records:
        grouped.setdefault((hub_id, object_type), []).append(from_plain(Record, data))
    for (hub_id, object_type), loaded in grouped.items():
        sandbox.store(hub_id, object_type).restore(loaded)
