"""Engine, connections and transactions for SQLite and PostgreSQL.

Repositories ask for ``db.write()`` or ``db.read()``. On SQLite a write transaction starts with
``BEGIN IMMEDIATE``: a deferred transaction that reads and then writes can fail at once with
"database is locked" when another process writes in between, whatever the busy timeout; taking the
write lock up front makes writers queue on the busy timeout instead. SQLite runs in WAL mode so
readers never wait for writers. Database failures leave this module as ``StoreUnavailable``
(an outage) or ``HubSpotActionsError`` (any other refused statement, a 500).

No database error may carry row data into a log: the engines hide bound parameters from
SQLAlchemy's messages, and PostgreSQL's own message (whose ``DETAIL`` can quote the failing row,
emails included) is replaced by the statement's kind and the error's class and SQLSTATE.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.errors import HubSpotActionsError
from core.logging import get_logger
from store.errors import StoreUnavailable
from store.types import dumps_json, loads_json
from store.write_lock import ProcessWriteLock

log = get_logger(__name__)

#: How long a SQLite writer waits for the write lock before giving up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    """One engine per process (create it after forking, never before)."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self.engine = self._create_engine(url, pool_size=pool_size, echo=echo)
        self._write_lock = threading.Lock()
        self._process_lock = _process_lock(url) if self.is_sqlite else None

    def _create_engine(self, url: str, *, pool_size: int, echo: bool) -> Engine:
        if self.is_sqlite:
            engine = create_engine(
                url,
                echo=echo,
                hide_parameters=True,
                connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                pool_size=pool_size,
                max_overflow=pool_size * 2,
                json_serializer=dumps_json,
                json_deserializer=loads_json,
            )
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_on_begin)
            return engine
        return create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            pool_size=pool_size,
            max_overflow=pool_size * 2,
            # No pre-ping: it costs a round trip per checkout (a sixth of a worker's time per
            # job). A connection broken by a server restart fails one statement, which surfaces
            # as StoreUnavailable, and SQLAlchemy then invalidates the whole pool.
            pool_recycle=1800,
            pool_timeout=10,
            connect_args={"connect_timeout": 5},
            json_serializer=dumps_json,
            json_deserializer=loads_json,
        )

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that will write: committed on success, rolled back on error."""
        if not self.is_sqlite:
            with self._translate(), self.engine.connect() as conn, conn.begin():
                yield conn
            return
        # SQLite has one writer at a time. Threads of this process queue on a Python lock
        # (a prompt hand-off) rather than in SQLite's busy handler, which sleeps in steps of
        # 1 to 100 ms; processes queue on a file lock beside the database (store.write_lock).
        across = self._process_lock.held() if self._process_lock else nullcontext()
        with self._write_lock, across, self._translate():
            conn = self.engine.connect().execution_options(sqlite_begin="IMMEDIATE")
            with conn, conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (a consistent snapshot on both databases)."""
        with self._translate(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, PoolTimeout) as exc:
            raise StoreUnavailable(
                f"database unavailable: {type(exc.__cause__ or exc).__name__}"
            ) from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise StoreUnavailable("database connection lost") from exc
            raise _refused(exc) from None

    def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the database answers."""
        with self.read() as conn:
            conn.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()


def _process_lock(url: str) -> ProcessWriteLock | None:
    """The cross-process write lock of a SQLite file (none for an in-memory database)."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return ProcessWriteLock(f"{path}.writelock", timeout_s=SQLITE_BUSY_TIMEOUT_MS / 1000)


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN (pysqlite's own handling defers it badly).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def _refused(exc: DBAPIError) -> HubSpotActionsError:
    """A statement the database refused, described without its parameters or row data."""
    kind = (exc.statement or "").lstrip().split(" ", 1)[0].upper() or "statement"
    error = type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    log.error("store.statement_failed", statement=kind, error=error, sqlstate=sqlstate)
    return HubSpotActionsError(f"the database refused an {kind} ({error})")
