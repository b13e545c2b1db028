"""Small dialect-aware statement helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Insert,
    Row,
    Table,
    Text,
    bindparam,
    cast,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeEngine

from store.types import UTCDateTime, dumps_json


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


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> Any:
    """``insert_returning_rows`` executed for ``rows`` (all with the same keys): the result.

    On PostgreSQL the rows go as one array per column into ``INSERT ... SELECT unnest(...)``.
    SQLAlchemy's multi-row ``VALUES`` made a statement of 2,000 parameters for 100 jobs, new text
    every time: psycopg parsed it on every execution (it caches short statements only) and the
    server planned it anew, a quarter of the web's time under a bulk submission on PostgreSQL
    (bench/README.md). The ``unnest`` statement is the same short text for every batch, so
    psycopg's cache and the server's prepared statements serve it.
    """
    if conn.dialect.name != "postgresql":
        return conn.execute(insert_returning_rows(conn, table), list(rows))
    names = tuple(rows[0])
    arrays = {f"u_{name}": [_pg_value(table, name, row[name]) for row in rows] for name in names}
    return conn.execute(_unnest_insert(table, names), arrays)


def _is_json(table: Table, name: str) -> bool:
    return isinstance(table.c[name].type, JSON)


def _pg_value(table: Table, name: str, value: Any) -> Any:
    if value is not None and _is_json(table, name):
        return dumps_json(value)  # sent as text, cast to jsonb by the statement
    return value


@cache
def _unnest_insert(table: Table, names: tuple[str, ...]) -> Insert:
    """``INSERT INTO table (names) SELECT unnest(:u_a), unnest(:u_b), ... ON CONFLICT DO
    NOTHING RETURNING *``, built once per table and column list (PostgreSQL zips set-returning
    functions of equal length in one SELECT)."""
    columns = []
    for name in names:
        column = table.c[name]
        element: TypeEngine[Any] = column.type
        if _is_json(table, name):
            element = Text()
        elif isinstance(element, UTCDateTime):
            element = DateTime(timezone=True)
        unnested = func.unnest(bindparam(f"u_{name}", type_=postgresql.ARRAY(element)))
        columns.append(cast(unnested, column.type) if _is_json(table, name) else unnested)
    return (
        postgresql.insert(table)
        .from_select(list(names), select(*columns))
        .on_conflict_do_nothing()
        .returning(*table.c)
    )


def row_by_id(conn: Connection, table: Table, row_id: str) -> Row[Any] | None:
    """The row of ``table`` whose ``id`` is ``row_id``, or None."""
    return conn.execute(select(table).where(table.c.id == row_id)).first()


def _insert(conn: Connection, table: Table, values: dict[str, Any]) -> Insert:
    return _dialect_insert(conn, table).values(**values).on_conflict_do_nothing()


def _dialect_insert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
