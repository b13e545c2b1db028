"""``POST /v1/jobs/{id}/retry``: a failed job submitted again as a new job (``producer.retry``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from producer.api.deps import ServicesDep
from producer.api.openapi import V1_ERRORS, error_responses
from producer.retry import retry_failed
from producer.views import job_view

router = APIRouter(prefix="/v1", tags=["jobs"], responses=V1_ERRORS)


@router.post("/jobs/{job_id}/retry", status_code=202, responses=error_responses(404, 409))
async def retry_job(job_id: str, services: ServicesDep) -> dict[str, Any]:
    """202 with the new job; 404 ``job_not_found``; 409 ``job_conflict`` unless the job failed;
    the account refusals of a submission (409 ``account_revoked`` with a ``reauth_link``, ...)."""
    job = await run_in_threadpool(retry_failed, services.jobs, job_id)
    return {"job": job_view(job).model_dump(mode="json")}
