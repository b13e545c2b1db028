"""Liveness, readiness and metrics (no API key: probes and scrapers don't carry one)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import redis
from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from broker.redis_broker import HEARTBEAT_TIMEOUT_MS
from broker.schedule import HEARTBEAT_KEY
from producer.api.deps import ServicesDep
from producer.api.metrics import render_shared_metrics
from producer.api.openapi import JSON_OBJECT
from store.migrate import is_up_to_date

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=None,
    responses={
        503: {
            "description": "A component is not ready (`checks` says which)",
            "content": JSON_OBJECT,
        }
    },
)
async def readyz(services: ServicesDep) -> JSONResponse:
    checks = await run_in_threadpool(_checks, services)
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503
    )


def _checks(services: ServicesDep) -> dict[str, str]:
    ctx = services.ctx
    checks: dict[str, str] = {}
    checks["database"] = _try(lambda: "ok" if is_up_to_date(ctx.db) else "migrations pending")
    checks["redis"] = _try(lambda: "ok" if ctx.redis.ping() else "no answer")
    for component in ctx.settings.ready_requires:
        if component == "worker":
            checks["worker"] = _try(lambda: _worker_alive(ctx.redis))
        elif component == "scheduler":
            checks["scheduler"] = _try(
                lambda: "ok" if ctx.redis.exists(HEARTBEAT_KEY) else "no heartbeat"
            )
        elif component == "sandbox":
            checks["sandbox"] = _try(lambda: _http_up(ctx.settings.hubspot_api_base))
    return checks


def _try(check: Any) -> str:
    try:
        return str(check())
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def _worker_alive(client: redis.Redis) -> str:
    # Dramatiq workers heartbeat (at least once per idle poll) into this sorted set.
    newest = client.zrange("dramatiq:__heartbeats__", -1, -1, withscores=True)
    if not newest:
        return "no worker"
    age_ms = time.time() * 1000 - float(newest[0][1])
    return "ok" if age_ms < HEARTBEAT_TIMEOUT_MS / 4 else "no recent heartbeat"


def _http_up(base: str) -> str:
    response = httpx.get(f"{base}/crm/v3/pipelines/deals", timeout=2.0)
    return "ok" if response.status_code < 500 else f"status {response.status_code}"


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"description": "Prometheus text exposition format"}},
)
def metrics(services: ServicesDep) -> Response:
    """This process's own metrics, then the shared ones kept in Redis (``api.metrics``)."""
    body = generate_latest() + render_shared_metrics(services.ctx.redis)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
