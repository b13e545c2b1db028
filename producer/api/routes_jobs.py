"""``/v1/tools`` and ``/v1/jobs``: submit, batch, read (with long-poll), list by ids, cancel."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from core.errors import HubSpotActionsError, InvalidRequest, InvalidToolInput
from producer.api.deps import ServicesDep, WaiterDep
from producer.api.openapi import BATCH_BODY, JSON_OBJECT, SUBMIT_BODY, V1_ERRORS, error_responses
from producer.jobs import MAX_BATCH, Submitted, parse_submit
from producer.views import job_view
from schemas.accounts import HUBSPOT_CONNECTION, IDENTIFIER_PATTERN
from schemas.json_guard import NO_NUL_PATTERN, JsonRejected, JsonTooDeep, loads
from schemas.tools import tool_catalog

#: A job id as a path segment (a NUL can name no job: the URL is refused with 422).
JobIdPath = Annotated[str, Path(pattern=NO_NUL_PATTERN)]

#: At least one id (something besides commas and spaces), no NUL.
IDS_PATTERN = r"^[^\x00]*[^\x00,\s][^\x00]*$"

router = APIRouter(prefix="/v1", tags=["jobs"], responses=V1_ERRORS)


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


@router.get("/tools", responses=error_responses(404))
def list_tools(
    services: ServicesDep,
    identifier: str | None = Query(
        default=None,
        pattern=IDENTIFIER_PATTERN,
        description="an account whose portal's options the schemas should list",
    ),
    connection_name: str = Query(
        default=HUBSPOT_CONNECTION, min_length=1, max_length=64, pattern=NO_NUL_PATTERN
    ),
) -> dict[str, Any]:
    """The catalog; with ``identifier``, enums are that account's portal options (s13)."""
    if identifier is None:
        return {"tools": tool_catalog()}
    return {"tools": services.jobs.tool_catalog(connection_name, identifier)}


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return loads(raw)
    except JsonTooDeep as exc:
        raise InvalidRequest(f"the request body is {exc}") from None
    except JsonRejected:
        raise InvalidToolInput("the request body is not valid JSON") from None


def _job_json(job: Any) -> dict[str, Any]:
    return job_view(job).model_dump(mode="json")


@router.post(
    "/jobs",
    status_code=202,
    openapi_extra=SUBMIT_BODY,
    responses={
        200: {
            "description": "The job an earlier submit with this idempotency key created",
            "content": JSON_OBJECT,
        },
        **error_responses(404, 409),
    },
)
async def submit_job(request: Request, services: ServicesDep) -> JSONResponse:
    submit = parse_submit(await _json_body(request))
    result: Submitted = await run_in_threadpool(services.jobs.submit, submit)
    return JSONResponse({"job": _job_json(result.job)}, status_code=202 if result.created else 200)


@router.post("/jobs/batch", status_code=202, openapi_extra=BATCH_BODY, response_class=_JobsJSON)
async def submit_batch(request: Request, services: ServicesDep) -> _JobsJSON:
    body = await _json_body(request)
    items = body.get("jobs") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise InvalidToolInput('the body must be {"jobs": [...]} with at least one job')
    if not all(isinstance(item, dict) for item in items):
        # The batch's own shape (as documented); what is inside an object is answered per item.
        raise InvalidToolInput('every item of "jobs" must be a JSON object')
    if len(items) > MAX_BATCH:
        raise InvalidToolInput(f"at most {MAX_BATCH} jobs per batch (got {len(items)})")
    results = await run_in_threadpool(services.jobs.submit_batch, items)
    jobs = [
        {"error": r.to_dict()} if isinstance(r, HubSpotActionsError) else _job_json(r.job)
        for r in results
    ]
    return _JobsJSON({"jobs": jobs}, status_code=202)


@router.get("/jobs/{job_id}", responses=error_responses(404))
async def get_job(
    job_id: JobIdPath,
    services: ServicesDep,
    waiter: WaiterDep,
    wait: float = Query(default=0.0, ge=0.0, description="seconds to wait for a terminal status"),
) -> dict[str, Any]:
    job = await waiter.await_for(
        job_id,
        seconds=min(wait, MAX_WAIT_S),
        read=lambda: run_in_threadpool(services.jobs.get, job_id),
        done=lambda j: j.status.is_terminal,
    )
    return {"job": _job_json(job)}


@router.get("/jobs", response_class=_JobsJSON)
def list_jobs(
    services: ServicesDep,
    ids: str = Query(pattern=IDS_PATTERN, description="Up to 100 comma-separated job ids"),
) -> _JobsJSON:
    wanted = [i for i in (p.strip() for p in ids.split(",")) if i]
    if not wanted:
        raise InvalidRequest("ids: give up to 100 comma-separated job ids")
    if len(wanted) > MAX_IDS:
        raise InvalidRequest(f"ids: at most {MAX_IDS} ids (got {len(wanted)})")
    return _JobsJSON({"jobs": [_job_json(j) for j in services.ctx.jobs.get_many(wanted)]})


@router.post("/jobs/{job_id}/cancel", responses=error_responses(404, 409))
def cancel_job(job_id: JobIdPath, services: ServicesDep) -> dict[str, Any]:
    return {"job": _job_json(services.jobs.cancel(job_id))}
