"""Small dialect-aware statement helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Insert, Row, Table, select
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_conflicts(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING``; True if the row was inserted.

    Both databases support it, and unlike catching ``IntegrityError`` it leaves a PostgreSQL
    transaction usable, so the caller can read the row that won. Whether a row went in is read
    from ``RETURNING`` (psycopg reports no rowcount for this statement).
    """
    key = next(iter(table.primary_key.columns))
    return conn.execute(_insert(conn, table, values).returning(key)).first() is not None


def insert_returning_row(conn: Connection, table: Table, values: dict[str, Any]) -> Row[Any] | None:
    """The same, answering the new row itself (None on a conflict): no read-back query."""
    return conn.execute(_insert(conn, table, values).returning(*table.c)).first()


def insert_returning_rows(conn: Connection, table: Table) -> Insert:
    """The same for many rows: execute it with a list of value dicts.

    SQLAlchemy sends such an executemany as multi-row ``INSERT ... VALUES`` statements
    ("insertmanyvalues") on both databases; the rows that conflicted are simply not returned.
    """
    return _dialect_insert(conn, table).on_conflict_do_nothing().returning(*table.c)


def row_by_id(conn: Connection, table: Table, row_id: str) -> Row[Any] | None:
    """The row of ``table`` whose ``id`` is ``row_id``, or None."""
    return conn.execute(select(table).where(table.c.id == row_id)).first()


def _insert(conn: Connection, table: Table, values: dict[str, Any]) -> Insert:
    return _dialect_insert(conn, table).values(**values).on_conflict_do_nothing()


def _dialect_insert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
