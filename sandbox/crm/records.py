"""Records of one object type in one portal, and how HubSpot renders them.

Records keep creation order (ids only grow), so listing pages with a bisect on the id list and
search's default order (creation, oldest first) costs nothing extra. Contacts keep an index of
lowercased emails: HubSpot treats email as the contact's unique key, case-insensitively.

Every write is kept in the record's ``history`` (``propertiesWithHistory``), and, when the store
has a search index delay, in ``pending``: HubSpot's search index lags writes (facts 5b), so search
sees ``indexed`` (the values as of the last write the index has caught up with; None before the
first) until each pending write falls due on the sandbox clock. Reads by id see writes at once.
All of it is plain data (str/int/dict/list), ready for a serializer.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.clock import iso_ms
from sandbox.crm.properties import (
    ALWAYS_RETURNED,
    CATALOG,
    DEFAULT_PROPERTIES,
    MODIFIED_PROPERTY,
    PropertyDef,
)

#: ``sourceType`` of every write through the public API (HubSpot's value for API writes).
API_SOURCE = "API"


@dataclass(slots=True)
class Version:
    """One value a property had: HubSpot's ``ValueWithTimestamp`` (cleared values are "")."""

    value: str
    timestamp_ms: int
    source_type: str = API_SOURCE


@dataclass(slots=True)
class PendingIndex:
    """A write the search index has not caught up with: visible to search from ``due_ms``."""

    due_ms: int
    values: dict[str, str]


@dataclass(slots=True)
class Record:
    """One CRM object; ``values`` holds every set property as HubSpot's string form.

    ``history`` lists each property's versions oldest first; ``associations`` maps a target
    object type to ``{target id: [association type ids]}`` (string keys, for serializers).
    """

    id: int
    values: dict[str, str]
    created_ms: int
    updated_ms: int
    archived_ms: int | None = None
    history: dict[str, list[Version]] = field(default_factory=dict)
    associations: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    indexed: dict[str, str] | None = None
    pending: list[PendingIndex] = field(default_factory=list)

    @property
    def archived(self) -> bool:
        """Archived records live in the recycling bin: readable with ``archived=true`` only."""
        return self.archived_ms is not None

    def search_view(self, now_ms: int) -> dict[str, str] | None:
        """The values search sees at ``now_ms``; None while the record is not yet indexed."""
        if not self.pending:
            return self.values
        while self.pending and self.pending[0].due_ms <= now_ms:
            self.indexed = self.pending.pop(0).values
        if not self.pending:
            self.indexed = None
            return self.values
        return self.indexed


class ObjectStore:
    """All records of one type in one portal.

    Every method that changes a record adds its id to ``changed``, which the persistence layer
    drains to write only what moved since its last flush (``sandbox.persistence``).
    """

    def __init__(
        self, object_type: str, next_id: Callable[[], int], *, index_delay_ms: int = 0
    ) -> None:
        self.object_type = object_type
        self._next_id = next_id
        self._index_delay_ms = index_delay_ms
        self._records: dict[int, Record] = {}
        self._ids: list[int] = []
        self._emails: dict[str, int] = {}
        self._modified = MODIFIED_PROPERTY[object_type]
        self.changed: set[int] = set()
        #: Records this store created (one per record, batch creates included), for the stats.
        self.created = 0

    def restore(self, records: Iterable[Record]) -> None:
        """Load persisted records (any order), rebuilding the id order and the email index."""
        for record in sorted(records, key=lambda r: r.id):
            self._records[record.id] = record
            self._ids.append(record.id)
            email = record.values.get("email")
            if email is not None and record.archived_ms is None:
                self._emails[email.lower()] = record.id

    def all(self) -> Iterator[Record]:
        """Every record, archived ones too, oldest first."""
        return iter(self._records.values())

    def record(self, record_id: int) -> Record | None:
        """The record with this id, live or archived."""
        return self._records.get(record_id)

    def create(self, values: dict[str, str | None], now_ms: int) -> Record:
        """Store a new record with HubSpot's bookkeeping properties filled in."""
        record_id = self._next_id()
        stamp = iso_ms(now_ms)
        record = Record(record_id, {}, now_ms, now_ms)
        bookkeeping = {"hs_object_id": str(record_id), "createdate": stamp, self._modified: stamp}
        self._apply(record, {**bookkeeping, **values}, now_ms)
        self._records[record_id] = record
        self._ids.append(record_id)
        if self._index_delay_ms:
            record.pending.append(PendingIndex(now_ms + self._index_delay_ms, dict(record.values)))
        self.changed.add(record_id)
        self.created += 1
        return record

    def get(self, record_id: int, *, archived: bool = False) -> Record | None:
        """The record with this id, if it exists in the wanted state (live or archived)."""
        record = self._records.get(record_id)
        if record is None or record.archived != archived:
            return None
        return record

    def update(self, record: Record, values: dict[str, str | None], now_ms: int) -> None:
        """Apply a write and bump the last-modified timestamps."""
        if self._index_delay_ms and not record.pending:
            record.indexed = dict(record.values)
        self._apply(record, {**values, self._modified: iso_ms(now_ms)}, now_ms)
        record.updated_ms = now_ms
        if self._index_delay_ms:
            record.pending.append(PendingIndex(now_ms + self._index_delay_ms, dict(record.values)))
        self.changed.add(record.id)

    def archive(self, record: Record, now_ms: int) -> None:
        """Move a record to the recycling bin; its email no longer blocks a new contact."""
        record.archived_ms = now_ms
        self.changed.add(record.id)
        email = record.values.get("email")
        if email is not None and self._emails.get(email.lower()) == record.id:
            del self._emails[email.lower()]

    def by_email(self, email: str) -> Record | None:
        """The live contact with this email (case-insensitive), if any."""
        record_id = self._emails.get(email.lower())
        return None if record_id is None else self._records[record_id]

    def page(self, after: int, limit: int, *, archived: bool) -> tuple[list[Record], int | None]:
        """Up to ``limit`` records with ids from ``after`` on, and the id that starts the next."""
        found: list[Record] = []
        for position in range(bisect_left(self._ids, after), len(self._ids)):
            record = self._records[self._ids[position]]
            if record.archived != archived:
                continue
            if len(found) == limit:
                return found, record.id
            found.append(record)
        return found, None

    def live(self) -> Iterator[Record]:
        """Every record not archived, oldest first."""
        return (r for r in self._records.values() if r.archived_ms is None)

    def _apply(self, record: Record, values: Mapping[str, str | None], now_ms: int) -> None:
        for name, value in values.items():
            if name == "email":
                self._reindex_email(record, value)
            if value is None:
                record.values.pop(name, None)
            else:
                record.values[name] = value
            record.history.setdefault(name, []).append(Version(value or "", now_ms))

    def _reindex_email(self, record: Record, email: str | None) -> None:
        old = record.values.get("email")
        if old is not None and self._emails.get(old.lower()) == record.id:
            del self._emails[old.lower()]
        if email is not None:
            self._emails[email.lower()] = record.id


def render(
    record: Record,
    object_type: str,
    requested: Iterable[str] | None,
    *,
    written: bool = False,
    catalog: Mapping[str, PropertyDef] | None = None,
    with_history: Iterable[str] | None = None,
) -> dict[str, Any]:
    """HubSpot's ``SimplePublicObject``: string values, requested ones null when unset.

    With no ``requested`` properties a read answers the type's defaults; a create or update
    (``written``) answers every property the record has. ``catalog`` is the portal's (custom
    properties included); names outside it are ignored, as HubSpot ignores them.
    ``with_history`` names the properties whose versions to add, newest first.
    """
    values = record.values
    catalog = CATALOG[object_type] if catalog is None else catalog
    if written and requested is None:
        properties: dict[str, str | None] = dict(values)
    else:
        names = DEFAULT_PROPERTIES[object_type] if requested is None else requested
        wanted = [n for n in names if n in catalog]
        wanted.extend(ALWAYS_RETURNED[object_type])
        properties = {name: values.get(name) for name in wanted}
    body: dict[str, Any] = {
        "id": str(record.id),
        "properties": dict(sorted(properties.items())),
        "createdAt": iso_ms(record.created_ms),
        "updatedAt": iso_ms(record.updated_ms),
        "archived": record.archived_ms is not None,
    }
    if record.archived_ms is not None:
        body["archivedAt"] = iso_ms(record.archived_ms)
    if with_history is not None:
        body["propertiesWithHistory"] = {
            name: [_version(v) for v in reversed(record.history.get(name, []))]
            for name in with_history
            if name in catalog
        }
    return body


def _version(version: Version) -> dict[str, str]:
    return {
        "value": version.value,
        "timestamp": iso_ms(version.timestamp_ms),
        "sourceType": version.source_type,
    }
