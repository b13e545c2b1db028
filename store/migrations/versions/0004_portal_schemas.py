"""portal schema cache

Revision ID: 0004_portal_schemas
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0004_portal_schemas"
down_revision = "0003_pkce_verification"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_schemas",
        sa.Column("hub_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("document", store.types.JSONType, nullable=False),
        sa.Column("fetched_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("hub_id", name=op.f("pk_portal_schemas")),
    )


def downgrade() -> None:
    op.drop_table("portal_schemas")
