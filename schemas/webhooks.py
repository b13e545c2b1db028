"""Webhook contracts: event types, the subscription request and the views (DESIGN.md s14)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class WebhookEvent(StrEnum):
    JOB_SUCCEEDED = "job.succeeded"
    JOB_FAILED = "job.failed"
    JOB_CANCELLED = "job.cancelled"
    ACCOUNT_CREATED = "connected_account.created"
    ACCOUNT_STATUS_UPDATED = "connected_account.status_updated"
    ACCOUNT_TOKEN_REFRESH_FAILED = "connected_account.token_refresh_failed"  # noqa: S105 (an event name, not a secret)
    ACCOUNT_DELETED = "connected_account.deleted"


class DeliveryStatus(StrEnum):
    """``pending`` until a 2xx (``succeeded``) or the retry window closes (``failed``)."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


#: Longest accepted webhook URL.
MAX_URL_LENGTH = 2048


class CreateWebhook(BaseModel):
    """``POST /v1/webhooks`` body."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=MAX_URL_LENGTH)
    events: list[WebhookEvent] = Field(min_length=1, max_length=len(WebhookEvent))
    description: str | None = Field(default=None, max_length=500)

    @field_validator("events")
    @classmethod
    def _unique(cls, value: list[WebhookEvent]) -> list[WebhookEvent]:
        """Order kept, duplicates dropped: subscribing twice to one event is one subscription."""
        return list(dict.fromkeys(value))


class WebhookView(BaseModel):
    id: str
    url: str
    events: list[WebhookEvent]
    description: str | None
    created_at: datetime


class WebhookCreatedView(WebhookView):
    """The creation answer: the only time the signing secret is shown."""

    secret: str


class DeliveryView(BaseModel):
    id: str
    event_type: WebhookEvent
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    next_attempt_at: datetime | None
    created_at: datetime
