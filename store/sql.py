"""Small dialect-aware statement helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Insert,
    Row,
    Table,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB

from store.types import dumps_json


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

    On PostgreSQL the rows go as one JSON document into ``INSERT ... SELECT ... FROM
    jsonb_populate_recordset(...)``: SQLAlchemy's multi-row ``VALUES`` made a statement of 2,000
    parameters for 100 jobs, new text every time, which psycopg parsed on every execution (it
    caches short statements only) and the server planned anew: a quarter of the web's time
    under a bulk submission on PostgreSQL (bench/README.md). One array per column
    (``unnest``) fixed that but spent a tenth of the web in psycopg's Python array dumper;
    orjson writes the one document in C, the server reads it in C, and the statement is the
    same short text for every batch (psycopg caches it, the server prepares it). Each value
    takes its column's type as the server casts JSON to a row of the table (a JSON ``null``
    becomes SQL ``NULL``).
    """
    if conn.dialect.name != "postgresql":
        return conn.execute(insert_returning_rows(conn, table), list(rows))
    return conn.execute(_recordset_insert(table, tuple(rows[0])), {"rows": dumps_json(list(rows))})


@cache
def _recordset_insert(table: Table, names: tuple[str, ...]) -> Insert:
    """``INSERT INTO table (names) SELECT names FROM jsonb_populate_recordset(NULL::table,
    :rows) ON CONFLICT DO NOTHING RETURNING *``, built once per table and column list."""
    recordset = func.jsonb_populate_recordset(
        literal_column(f"NULL::{table.name}"), cast(bindparam("rows", type_=Text()), JSONB)
    ).alias("batch")
    return (
        postgresql.insert(table)
        .from_select(
            list(names),
            select(*[literal_column(f'batch."{n}"') for n in names]).select_from(recordset),
        )
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
