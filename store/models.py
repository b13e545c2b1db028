"""Table definitions (SQLAlchemy 2 declarative). Migrations in ``store/migrations`` mirror them.

Rows are read and written with Core statements by the repositories next to this module; the ORM
classes exist for typed table metadata, not for a unit of work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.types import JSONType, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class AccountRow(Base):
    """A connected account: one user's connection to one HubSpot portal."""

    __tablename__ = "connected_accounts"
    __table_args__ = (
        UniqueConstraint("connection_name", "identifier"),
        Index(None, "status", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    connection_name: Mapped[str] = mapped_column(String(64))
    identifier: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str | None] = mapped_column(Text)
    hub_id: Mapped[int | None] = mapped_column(BigInteger)
    granted_scopes: Mapped[list[str]] = mapped_column(JSONType)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TokenRow(Base):
    """An account's tokens, encrypted; ``version`` grows on every store (compare-and-swap)."""

    __tablename__ = "tokens"

    account_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("connected_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str] = mapped_column(String(32))
    access_token_ct: Mapped[bytes] = mapped_column(LargeBinary)
    refresh_token_ct: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OAuthStateRow(Base):
    """A pending authorization: the state is stored hashed, used once, bound to one account.

    ``code_verifier`` is the link's PKCE secret (sent on the code exchange, never logged);
    ``auth_request_id`` names a completed consent awaiting user verification (DESIGN s9).
    """

    __tablename__ = "oauth_states"
    __table_args__ = (Index(None, "expires_at"), Index(None, "auth_request_id", unique=True))

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("connected_accounts.id", ondelete="CASCADE")
    )
    return_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_verifier: Mapped[str | None] = mapped_column(String(128))
    auth_request_id: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobRow(Base):
    """A tool execution: the results store callers poll (DESIGN.md s6)."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("connection_name", "identifier", "idempotency_key"),
        Index(None, "status", "due_at"),
        Index(None, "status", "lease_expires_at"),
        Index(None, "account_id", "status"),
        Index(None, "finished_at"),
        Index(None, "account_id", "record_key", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("connected_accounts.id", ondelete="CASCADE")
    )
    connection_name: Mapped[str] = mapped_column(String(64))
    identifier: Mapped[str] = mapped_column(String(255))
    tool_name: Mapped[str] = mapped_column(String(100))
    lane: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rate_waits: Mapped[int] = mapped_column(Integer, default=0)
    #: Times the job's lease lapsed while it ran (its worker died); capped by JOB_MAX_LEASE_LAPSES.
    lease_lapses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    input: Mapped[dict[str, Any]] = mapped_column(JSONType)
    input_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[Any | None] = mapped_column(JSONType)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The caller's own JSON object (<= 4 KiB), echoed in the job view and its webhook events.
    job_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType)
    #: The record the job writes (``schemas.tools.coalescing.record_key``): jobs of one account
    #: and one key start one at a time, in submission order.
    record_key: Mapped[str | None] = mapped_column(String(300))


class ApiKeyRow(Base):
    """An operator API key, stored as a SHA-256 hash; the plaintext is shown once at creation."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PortalSchemaRow(Base):
    """One portal's cached properties and deal pipelines (DESIGN.md section 13), keyed by hub id.

    ``document`` is the compact form of ``schemas.portal`` (names, types, options, stages), not
    HubSpot's raw answers: it is read on every submission of the portal's create/update jobs.
    """

    __tablename__ = "portal_schemas"

    hub_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class McpSessionRow(Base):
    """An MCP session token (DESIGN s15): SHA-256 hashed, one identifier, an optional allow-list.

    ``tool_names`` is null for "every tool" (so tools added later are reachable), else a list.
    """

    __tablename__ = "mcp_sessions"
    __table_args__ = (Index(None, "expires_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    connection_name: Mapped[str] = mapped_column(String(64))
    identifier: Mapped[str] = mapped_column(String(255))
    tool_names: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookEndpointRow(Base):
    """A webhook subscription; the signing secret is encrypted like tokens (DESIGN s9, s14)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSONType)
    description: Mapped[str | None] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(32))
    secret_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDeliveryRow(Base):
    """One event for one endpoint; its id is the ``webhook-id`` of every attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index(None, "endpoint_id", "created_at"),
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


accounts = cast(Table, AccountRow.__table__)
tokens = cast(Table, TokenRow.__table__)
oauth_states = cast(Table, OAuthStateRow.__table__)
jobs = cast(Table, JobRow.__table__)
api_keys = cast(Table, ApiKeyRow.__table__)
portal_schemas = cast(Table, PortalSchemaRow.__table__)
mcp_sessions = cast(Table, McpSessionRow.__table__)
webhook_endpoints = cast(Table, WebhookEndpointRow.__table__)
webhook_deliveries = cast(Table, WebhookDeliveryRow.__table__)
