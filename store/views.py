"""Store records to the API's views (DESIGN.md sections 4 and 6).

Here rather than in the producer because webhook events (``broker.events``), emitted by workers
too, carry the same views as the API shows.
"""

from __future__ import annotations

from schemas.accounts import ConnectedAccountView
from schemas.connection import Connection
from schemas.jobs import JobView
from store.accounts import AccountRecord
from store.jobs import JobRecord


def account_view(record: AccountRecord, connection: Connection) -> ConnectedAccountView:
    """``missing_scopes`` and ``needs_reauth`` are computed against today's configured scopes,
    so changing ``HUBSPOT_SCOPES`` shows at once which accounts must authorize again."""
    missing = connection.missing_scopes(record.granted_scopes)
    return ConnectedAccountView(
        id=record.id,
        connection_name=record.connection_name,
        identifier=record.identifier,
        status=record.status,
        status_reason=record.status_reason,
        hub_id=record.hub_id,
        granted_scopes=list(record.granted_scopes),
        missing_scopes=missing,
        needs_reauth=bool(missing) or record.status.needs_authorization,
        token_expires_at=record.token_expires_at,
        last_refreshed_at=record.last_refreshed_at,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def job_view(record: JobRecord) -> JobView:
    """The job's public fields, validated from the record's attributes of the same names (its
    ``history`` entries and ``error`` become their models; the input and the lease stay out)."""
    return JobView.model_validate(record, from_attributes=True)
