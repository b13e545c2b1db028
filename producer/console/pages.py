"""The console's pages: overview (charts), accounts, jobs, schedules, failed jobs with retry.

Every route depends on ``SessionDep`` (no valid cookie: a redirect to sign in) and every POST
on ``FormDep`` (CSRF token and origin checked). Retrying calls ``producer.retry.retry_failed``,
the same service as ``POST /v1/jobs/{id}/retry``, so the console refuses exactly what the API
refuses.
"""

from __future__ import annotations

import time
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from core.errors import HubSpotActionsError
from producer.api.deps import ServicesDep
from producer.console import charts, data
from producer.console.session import CSRF_FIELD
from producer.console.web import FormDep, SessionDep, render
from producer.retry import retry_failed
from producer.views import job_view
from schemas.jobs import JobStatus
from schemas.tools import tool_catalog
from store.job_queries import JobFilter, JobQueries

router = APIRouter(prefix="/console", include_in_schema=False)

#: Jobs listed per page.
JOBS_SHOWN = 100


def _page(name: str, session: SessionDep, active: str, **context: Any) -> HTMLResponse:
    """A signed-in page: the navigation, and the CSRF token its forms post back."""
    context.update(active=active, csrf_field=CSRF_FIELD, csrf=session.csrf_token)
    return render(name, **context)


@router.get("/static/console.css", response_model=None)
def stylesheet() -> Response:
    css = files("producer.console").joinpath("static", "console.css").read_text(encoding="utf-8")
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=300"})


@router.get("", response_class=HTMLResponse)
async def overview(session: SessionDep, services: ServicesDep) -> HTMLResponse:
    now = time.time()
    client = services.ctx.redis
    jobs_lines = await run_in_threadpool(charts.jobs_per_minute, client, now)
    calls_lines = await run_in_threadpool(charts.calls_per_portal, client, now)
    per_10s = services.ctx.settings.hubspot_rate_limit_per_10s
    budget = per_10s * 6.0 if per_10s else None
    counts = await run_in_threadpool(JobQueries(db=services.ctx.db).count_by_status)
    return _page(
        "overview.html",
        session,
        "overview",
        jobs_chart=charts.render_svg(jobs_lines, title="Jobs per minute by outcome"),
        jobs_lines=jobs_lines,
        calls_chart=charts.render_svg(
            calls_lines, title="HubSpot calls per minute per portal", budget=budget
        ),
        calls_lines=calls_lines,
        budget=budget,
        counts={s.value: counts.get(s, 0) for s in JobStatus},
    )


@router.get("/accounts", response_class=HTMLResponse)
async def accounts(session: SessionDep, services: ServicesDep) -> HTMLResponse:
    rows = await run_in_threadpool(data.accounts, services)
    return _page("accounts.html", session, "accounts", accounts=rows, fresh=None)


@router.post("/accounts/link", response_class=HTMLResponse)
async def fresh_link(form: FormDep, session: SessionDep, services: ServicesDep) -> HTMLResponse:
    """A new authorization link for one account, shown beside it with a copy button."""
    connection_name, identifier = str(form.get("connection_name")), str(form.get("identifier"))
    link = await run_in_threadpool(
        lambda: services.accounts.authorization_link(
            connection_name=connection_name, identifier=identifier
        )
    )
    rows = await run_in_threadpool(data.accounts, services)
    fresh = {"identifier": identifier, "link": link.link, "expires_at": link.expires_at}
    return _page("accounts.html", session, "accounts", accounts=rows, fresh=fresh)


@router.get("/jobs", response_class=HTMLResponse)
async def jobs(
    session: SessionDep,
    services: ServicesDep,
    status: str = Query(default=""),
    tool: str = Query(default=""),
    identifier: str = Query(default=""),
) -> HTMLResponse:
    wanted = JobFilter(
        status=JobStatus(status) if status in set(JobStatus) else None,
        tool_name=tool.strip() or None,
        identifier=identifier.strip() or None,
    )
    found = await run_in_threadpool(JobQueries(db=services.ctx.db).recent, wanted, limit=JOBS_SHOWN)
    return _page(
        "jobs.html",
        session,
        "jobs",
        jobs=[job_view(j) for j in found],
        statuses=[s.value for s in JobStatus],
        tools=[t["name"] for t in tool_catalog()],
        chosen={"status": status, "tool": tool, "identifier": identifier},
    )


@router.get("/schedules", response_class=HTMLResponse)
async def schedules(session: SessionDep, services: ServicesDep) -> HTMLResponse:
    summaries = await run_in_threadpool(data.schedules, services)
    return _page("schedules.html", session, "schedules", schedules=summaries)


@router.get("/failed", response_class=HTMLResponse)
async def failed(
    session: SessionDep,
    services: ServicesDep,
    retried: str = Query(default=""),
    refused: str = Query(default=""),
) -> HTMLResponse:
    found = await run_in_threadpool(
        JobQueries(db=services.ctx.db).recent, JobFilter(status=JobStatus.FAILED), limit=JOBS_SHOWN
    )
    return _page(
        "failed.html",
        session,
        "failed",
        jobs=[job_view(j) for j in found],
        retried=retried,
        refused=refused,
    )


@router.post("/jobs/{job_id}/retry", response_model=None)
async def retry(job_id: str, form: FormDep, services: ServicesDep) -> Response:
    """Re-submit a failed job; back to the failed list saying what became of it."""
    try:
        new = await run_in_threadpool(retry_failed, services.jobs, job_id)
    except HubSpotActionsError as exc:
        query = urlencode({"refused": f"{job_id}: {exc.code}: {exc.message}"})
    else:
        query = urlencode({"retried": new.id})
    return RedirectResponse(f"/console/failed?{query}", status_code=303)
