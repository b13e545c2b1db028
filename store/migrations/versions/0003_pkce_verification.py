"""pkce verifier and user verification on oauth_states; room for PENDING_VERIFICATION

Revision ID: 0003_pkce_verification
Revises: 0001
Create Date: 2026-12-01

``oauth_states`` gains the link's PKCE ``code_verifier`` (sent on the code exchange), and the
``auth_request_id``/``verified_at`` pair of DESIGN section 9's user verification. The account
status column grows from 16 to 32 characters: ``PENDING_VERIFICATION`` has 20.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0003_pkce_verification"
down_revision = "0002_lease_lapses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connected_accounts", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(length=16), type_=sa.String(length=32)
        )
    with op.batch_alter_table("oauth_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_verifier", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("auth_request_id", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("verified_at", store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_oauth_states_auth_request_id"), ["auth_request_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("oauth_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_states_auth_request_id"))
        batch_op.drop_column("verified_at")
        batch_op.drop_column("auth_request_id")
        batch_op.drop_column("code_verifier")
    with op.batch_alter_table("connected_accounts", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(length=32), type_=sa.String(length=16)
        )
