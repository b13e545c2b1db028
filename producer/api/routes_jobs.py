"""``/v1/tools`` and ``/v1/jobs``: submit, batch, read (with long-poll), list by ids, cancel."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from core.errors import HubSpotActionsError, InvalidRequest, InvalidToolInput
from producer.api.deps import ServicesDep, WaiterDep
from producer.jobs import MAX_BATCH, Submitted, parse_submit
from producer.views import job_view
from schemas.accounts import HUBSPOT_CONNECTION
from schemas.tools import tool_catalog

router = APIRouter(prefix="/v1", tags=["jobs"])


class _JobsJSON(JSONResponse):
    """The job routes' answers, rendered by orjson. Their content is already plain JSON (job
    views dumped in ``mode="json"``), so returning one of these also skips FastAPI's
    ``jsonable_encoder`` walk over every job of a 100-job answer."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


#: Longest long-poll (seconds); larger ``wait`` values are clamped to it.
MAX_WAIT_S = 30.0
#: Most ids per ``GET /v1/jobs?ids=``.
MAX_IDS = 100


@router.get("/tools")
def list_tools(
    services: ServicesDep,
    identifier: str | None = Query(
        default=None, description="an account whose portal's options the schemas should list"
    ),
    connection_name: str = Query(default=HUBSPOT_CONNECTION),
) -> dict[str, Any]:
    """The catalog; with ``identifier``, enums are that account's portal options (s13)."""
    if identifier is None:
        return {"tools": tool_catalog()}
    return {"tools": services.jobs.tool_catalog(connection_name, identifier)}


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidToolInput("the request body is not valid JSON") from None


def _job_json(job: Any) -> dict[str, Any]:
    return job_view(job).model_dump(mode="json")


@router.post("/jobs", status_code=202)
async def submit_job(request: Request, services: ServicesDep) -> JSONResponse:
    submit = parse_submit(await _json_body(request))
    result: Submitted = await run_in_threadpool(services.jobs.submit, submit)
    return JSONResponse({"job": _job_json(result.job)}, status_code=202 if result.created else 200)


@router.post("/jobs/batch", status_code=202, response_class=_JobsJSON)
async def submit_batch(request: Request, services: ServicesDep) -> _JobsJSON:
    body = await _json_body(request)
    items = body.get("jobs") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise InvalidToolInput('the body must be {"jobs": [...]} with at least one job')
    if len(items) > MAX_BATCH:
        raise InvalidToolInput(f"at most {MAX_BATCH} jobs per batch (got {len(items)})")
    results = await run_in_threadpool(services.jobs.submit_batch, items)
    jobs = [
        {"error": r.to_dict()} if isinstance(r, HubSpotActionsError) else _job_json(r.job)
        for r in results
    ]
    return _JobsJSON({"jobs": jobs}, status_code=202)


@router.get("/jobs/{job_id}")
async def get_job(
    job_id: str,
    services: ServicesDep,
    waiter: WaiterDep,
    wait: float = Query(default=0.0, ge=0.0, description="seconds to wait for a terminal status"),
) -> dict[str, Any]:
    deadline = time.monotonic() + min(wait, MAX_WAIT_S)
    event = waiter.register(job_id)
    try:
        while True:
            # Clear before reading: a finish notified after this point wakes the wait below.
            event.clear()
            job = await run_in_threadpool(services.jobs.get, job_id)
            remaining = deadline - time.monotonic()
            if job.status.is_terminal or remaining <= 0:
                return {"job": _job_json(job)}
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=min(remaining, 1.0))
    finally:
        waiter.unregister(job_id, event)


@router.get("/jobs", response_class=_JobsJSON)
def list_jobs(services: ServicesDep, ids: str = Query(default="")) -> _JobsJSON:
    wanted = [i for i in (p.strip() for p in ids.split(",")) if i]
    if not wanted:
        raise InvalidRequest("ids: give up to 100 comma-separated job ids")
    if len(wanted) > MAX_IDS:
        raise InvalidRequest(f"ids: at most {MAX_IDS} ids (got {len(wanted)})")
    return _JobsJSON({"jobs": [_job_json(j) for j in services.ctx.jobs.get_many(wanted)]})


@router.post("/jobs/{job_id}/cancel")
def cancel_job(job_id: str, services: ServicesDep) -> dict[str, Any]:
    return {"job": _job_json(services.jobs.cancel(job_id))}
