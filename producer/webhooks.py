"""Webhook subscriptions as the API offers them (DESIGN.md s14).

The URL is checked here (http(s) only; in production no private, loopback, link-local or
reserved address after DNS resolution) and again by the worker before every delivery. Creating
or deleting an endpoint rewrites the endpoints' version key, so every process's emission cache
(``broker.events``) sees the change on its next event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from broker.events import endpoints_changed
from core.errors import HubSpotActionsError
from core.logging import get_logger
from core.webhook_urls import Resolver, check_webhook_url, system_resolver
from schemas.webhooks import CreateWebhook, DeliveryView, WebhookCreatedView, WebhookView
from store.webhooks import DeliveryRecord, EndpointRecord

if TYPE_CHECKING:
    from producer.context import ProducerContext

log = get_logger(__name__)

#: Most deliveries one ``GET /v1/webhooks/{id}/deliveries`` returns.
MAX_DELIVERIES = 100


class WebhookNotFound(HubSpotActionsError):
    code = "webhook_not_found"
    http_status = 404


class WebhookService:
    def __init__(self, ctx: ProducerContext, *, resolver: Resolver = system_resolver) -> None:
        self.ctx = ctx
        self.resolver = resolver

    def create(self, body: CreateWebhook) -> WebhookCreatedView:
        check_webhook_url(
            body.url, production=self.ctx.settings.is_production, resolver=self.resolver
        )
        record, secret = self.ctx.webhooks.create_endpoint(
            url=body.url, events=body.events, description=body.description
        )
        endpoints_changed(self.ctx.redis)
        log.info("webhook.created", webhook_id=record.id, events=[e.value for e in record.events])
        return WebhookCreatedView(**view(record).model_dump(), secret=secret)

    def list_all(self) -> list[WebhookView]:
        return [view(r) for r in self.ctx.webhooks.list_endpoints()]

    def delete(self, webhook_id: str) -> None:
        if not self.ctx.webhooks.delete_endpoint(webhook_id):
            raise WebhookNotFound(f"no webhook {webhook_id}")
        endpoints_changed(self.ctx.redis)
        log.info("webhook.deleted", webhook_id=webhook_id)

    def deliveries(self, webhook_id: str, *, limit: int) -> list[DeliveryView]:
        if self.ctx.webhooks.get_endpoint(webhook_id) is None:
            raise WebhookNotFound(f"no webhook {webhook_id}")
        records = self.ctx.webhooks.list_deliveries(webhook_id, limit=limit)
        return [delivery_view(r) for r in records]


def view(record: EndpointRecord) -> WebhookView:
    """The endpoint's public fields, read from the record's attributes of the same names."""
    return WebhookView.model_validate(record, from_attributes=True)


def delivery_view(record: DeliveryRecord) -> DeliveryView:
    """The delivery's public fields (the payload and the last error stay out)."""
    return DeliveryView.model_validate(record, from_attributes=True)
