"""The SQLite file behind ``SANDBOX_STATE``: one row per section, one row per record.

Tables: ``meta`` (``format`` and ``version``, checked on open so that pointing ``SANDBOX_STATE``
at the product's own database or any other file is refused rather than written into),
``sections`` (name -> JSON) and ``records`` ((hub id, object type, id) -> JSON). One flush is one
transaction. WAL with ``synchronous=NORMAL``: a crash may lose the last flush, never corrupt the
file, and a commit costs no fsync of the main file.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from sandbox.persistence.snapshot import RecordKey, Snapshot

#: What ``meta.format`` says in a sandbox state file.
FORMAT = "hubspot-actions sandbox state"
#: Bumped when a change cannot be read by tolerating missing keys; older files are still read.
SCHEMA_VERSION = 1

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE sections (name TEXT PRIMARY KEY, data TEXT NOT NULL)",
    "CREATE TABLE records (hub_id INTEGER NOT NULL, object_type TEXT NOT NULL,"
    " id INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (hub_id, object_type, id))",
)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class StateFileError(Exception):
    """The file cannot be used as sandbox state; the message says why and what to do."""


class StateFile:
    """An open, validated state file (created with its schema when new or empty)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StateFileError(f"{path}: cannot open the sandbox state file ({exc})") from exc
        try:
            self._prepare()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StateFileError(
                f"{path} is not a sandbox state file ({exc}); "
                "point SANDBOX_STATE elsewhere or delete the file"
            ) from exc
        except StateFileError:
            self._db.close()
            raise

    def _prepare(self) -> None:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if not tables:
            self._db.execute("PRAGMA journal_mode=WAL")
            with self._transaction():
                for statement in _SCHEMA:
                    self._db.execute(statement)
                self._db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [("format", FORMAT), ("version", str(SCHEMA_VERSION))],
                )
        self._check_meta(tables)
        self._db.execute("PRAGMA synchronous=NORMAL")

    def _check_meta(self, tables: set[str]) -> None:
        meta: dict[str, str] = {}
        if not tables or "meta" in tables:
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != FORMAT:
            raise StateFileError(
                f"{self.path} is an SQLite database but not a sandbox state file; "
                "point SANDBOX_STATE elsewhere (it was left untouched)"
            )
        version = int(meta.get("version", "0"))
        if version > SCHEMA_VERSION:
            raise StateFileError(
                f"{self.path} was written by a newer sandbox (state schema {version}, "
                f"this one reads up to {SCHEMA_VERSION}); upgrade, or reset it"
            )

    def read(self) -> tuple[dict[str, Any], list[tuple[RecordKey, Any]]]:
        """Every section and every record, decoded from JSON."""
        try:
            sections = {
                name: json.loads(data)
                for name, data in self._db.execute("SELECT name, data FROM sections")
            }
            records = [
                ((hub_id, object_type, record_id), json.loads(data))
                for hub_id, object_type, record_id, data in self._db.execute(
                    "SELECT hub_id, object_type, id, data FROM records"
                )
            ]
        except (sqlite3.Error, ValueError) as exc:
            raise StateFileError(f"{self.path}: unreadable sandbox state ({exc})") from exc
        return sections, records

    def write(self, snapshot: Snapshot) -> None:
        """Write one snapshot in one transaction (clearing the file first when it is full)."""
        sections = [(name, _dumps(data)) for name, data in snapshot.sections.items()]
        records = [(*key, _dumps(data)) for key, data in snapshot.records.items()]
        with self._transaction():
            if snapshot.full:
                self._db.execute("DELETE FROM sections")
                self._db.execute("DELETE FROM records")
            self._db.executemany("INSERT OR REPLACE INTO sections VALUES (?, ?)", sections)
            self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)", records)

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed into the main file)."""
        self._db.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self._db.execute("ROLLBACK" if exc is not None else "COMMIT")


def remove_state_file(path: Path) -> list[Path]:
    """Delete a state file and its WAL companions; answers what was deleted.

    Refuses (``StateFileError``) a file that is not a sandbox state file, so a mistyped
    ``SANDBOX_STATE`` cannot delete the product's database.
    """
    if path.exists():
        StateFile(path).close()
    removed = []
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate.exists():
            candidate.unlink()
            removed.append(candidate)
    return removed
