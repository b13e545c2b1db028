"""mcp_sessions: short-lived MCP bearer tokens (DESIGN section 15)

Revision ID: 0006_mcp_sessions
Revises: 0003_pkce_verification
Create Date: 2026-12-02

One row per token handed out by ``POST /v1/mcp-sessions``: its SHA-256 hash (the token itself is
never stored), the identifier it acts for, its tool allow-list (null: every tool) and when it
expires. Expired rows are harmless (verification checks ``expires_at``); the index serves a sweep.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0006_mcp_sessions"
down_revision = "0005_record_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mcp_sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("connection_name", sa.String(length=64), nullable=False),
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("tool_names", store.types.JSONType, nullable=True),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mcp_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_mcp_sessions_token_hash")),
    )
    with op.batch_alter_table("mcp_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mcp_sessions_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mcp_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mcp_sessions_expires_at"))
    op.drop_table("mcp_sessions")
