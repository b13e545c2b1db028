"""Small dialect-aware statement helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_conflicts(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING``; True if the row was inserted.

    Both databases support it, and unlike catching ``IntegrityError`` it leaves a PostgreSQL
    transaction usable, so the caller can read the row that won. Whether a row went in is read
    from ``RETURNING`` (psycopg reports no rowcount for this statement).
    """
    stmt: Insert
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    key = next(iter(table.primary_key.columns))
    return conn.execute(stmt.returning(key)).first() is not None
