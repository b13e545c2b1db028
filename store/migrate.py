"""Schema migrations, packaged with the code: ``hubspot-actions db upgrade`` and ``run`` call this.

Alembic is driven programmatically so no ``alembic.ini`` has to sit in the working directory of a
deployed process. On PostgreSQL an advisory lock serialises concurrent upgrades (several processes
starting at once); SQLite's write lock does the same there.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from store.db import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Arbitrary constant naming our advisory lock on PostgreSQL.
_PG_LOCK_ID = 7_441_002


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    config = alembic_config()
    with db.engine.begin() as conn:
        if not db.is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_up_to_date(db: Database) -> bool:
    return current_revision(db) == head_revision()
