"""``/v1/webhooks``: subscribe, list, unsubscribe, and see an endpoint's deliveries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from producer.api.deps import ServicesDep
from producer.api.openapi import V1_ERRORS, error_responses
from producer.webhooks import MAX_DELIVERIES
from schemas.webhooks import CreateWebhook

router = APIRouter(prefix="/v1", tags=["webhooks"], responses=V1_ERRORS)


@router.post("/webhooks", status_code=201)
def create_webhook(body: CreateWebhook, services: ServicesDep) -> dict[str, Any]:
    """The answer carries the signing secret: the only time it is shown."""
    return {"webhook": services.webhooks.create(body).model_dump(mode="json")}


@router.get("/webhooks")
def list_webhooks(services: ServicesDep) -> dict[str, Any]:
    return {"webhooks": [w.model_dump(mode="json") for w in services.webhooks.list_all()]}


@router.delete("/webhooks/{webhook_id}", responses=error_responses(404))
def delete_webhook(webhook_id: str, services: ServicesDep) -> dict[str, Any]:
    services.webhooks.delete(webhook_id)
    return {"deleted": True, "id": webhook_id}


@router.get("/webhooks/{webhook_id}/deliveries", responses=error_responses(404))
def list_deliveries(
    webhook_id: str,
    services: ServicesDep,
    limit: int = Query(default=50, ge=1, le=MAX_DELIVERIES),
) -> dict[str, Any]:
    deliveries = services.webhooks.deliveries(webhook_id, limit=limit)
    return {"deliveries": [d.model_dump(mode="json") for d in deliveries]}
