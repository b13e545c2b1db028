"""jobs.record_key: the record a job writes, so writes of one record run one at a time, in order

Revision ID: 0005_record_key
Revises: 0004_portal_schemas
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_record_key"
down_revision = "0004_portal_schemas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable and without a backfill: jobs submitted before it have no key and are not ordered,
    # as before (they are finished within a job deadline anyway).
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("record_key", sa.String(length=300), nullable=True))
        batch.create_index(
            batch.f("ix_jobs_account_id_record_key_created_at"),
            ["account_id", "record_key", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index(batch.f("ix_jobs_account_id_record_key_created_at"))
        batch.drop_column("record_key")
