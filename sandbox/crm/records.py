"""Records of one object type in one portal, and how HubSpot renders them.

Records keep creation order (ids only grow), so listing pages with a bisect on the id list and
search's default order (creation, oldest first) costs nothing extra. Contacts keep an index of
lowercased emails: HubSpot treats email as the contact's unique key, case-insensitively.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sandbox.clock import iso_ms
from sandbox.crm.properties import ALWAYS_RETURNED, CATALOG, DEFAULT_PROPERTIES, MODIFIED_PROPERTY


@dataclass(slots=True)
class Record:
    """One CRM object; ``values`` holds every set property as HubSpot's string form."""

    id: int
    values: dict[str, str]
    created_ms: int
    updated_ms: int
    archived_ms: int | None = None

    @property
    def archived(self) -> bool:
        """Archived records live in the recycling bin: readable with ``archived=true`` only."""
        return self.archived_ms is not None


class ObjectStore:
    """All records of one type in one portal.

    Every method that changes a record adds its id to ``changed``, which the persistence layer
    drains to write only what moved since its last flush (``sandbox.persistence``).
    """

    def __init__(self, object_type: str, next_id: Callable[[], int]) -> None:
        self.object_type = object_type
        self._next_id = next_id
        self._records: dict[int, Record] = {}
        self._ids: list[int] = []
        self._emails: dict[str, int] = {}
        self._modified = MODIFIED_PROPERTY[object_type]
        self.changed: set[int] = set()

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
        record.values["hs_object_id"] = str(record_id)
        record.values["createdate"] = stamp
        record.values[self._modified] = stamp
        self._apply(record, values)
        self._records[record_id] = record
        self._ids.append(record_id)
        self.changed.add(record_id)
        return record

    def get(self, record_id: int, *, archived: bool = False) -> Record | None:
        """The record with this id, if it exists in the wanted state (live or archived)."""
        record = self._records.get(record_id)
        if record is None or record.archived != archived:
            return None
        return record

    def update(self, record: Record, values: dict[str, str | None], now_ms: int) -> None:
        """Apply a write and bump the last-modified timestamps."""
        self._apply(record, values)
        record.updated_ms = now_ms
        record.values[self._modified] = iso_ms(now_ms)
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

    def _apply(self, record: Record, values: dict[str, str | None]) -> None:
        for name, value in values.items():
            if name == "email":
                self._reindex_email(record, value)
            if value is None:
                record.values.pop(name, None)
            else:
                record.values[name] = value

    def _reindex_email(self, record: Record, email: str | None) -> None:
        old = record.values.get("email")
        if old is not None and self._emails.get(old.lower()) == record.id:
            del self._emails[old.lower()]
        if email is not None:
            self._emails[email.lower()] = record.id


def render(
    record: Record, object_type: str, requested: Iterable[str] | None, *, written: bool = False
) -> dict[str, Any]:
    """HubSpot's ``SimplePublicObject``: string values, requested ones null when unset.

    With no ``requested`` properties a read answers the type's defaults; a create or update
    (``written``) answers every property the record has.
    """
    values = record.values
    if written and requested is None:
        properties: dict[str, str | None] = dict(values)
    else:
        catalog = CATALOG[object_type]
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
    return body
