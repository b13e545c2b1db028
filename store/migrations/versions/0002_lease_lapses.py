"""jobs.lease_lapses: how many times a running job's worker died (JOB_MAX_LEASE_LAPSES)

Revision ID: 0002_lease_lapses
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_lease_lapses"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A server default, so existing rows count as never lapsed and the column is NOT NULL at once.
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column("lease_lapses", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("lease_lapses")
