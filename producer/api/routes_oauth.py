"""``GET /oauth/callback``: where HubSpot sends the user after the consent page.

Answers with a small HTML page saying what happened (JSON when the client asks for it), or
redirects to the allow-listed return URL given when the link was made; with
``OAUTH_USER_VERIFY_URL`` set, a completed consent always redirects (303) there. Every failure
of the user's flow (denied, bad/expired/used state, rejected code, short grant) is a 4xx with its
own code (``producer.oauth_callback``); HubSpot unreachable or refusing our app's credentials is
502.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from core.errors import HubSpotActionsError
from producer.api.deps import ServicesDep
from producer.api.openapi import JSON_OBJECT, page_or_json_errors
from producer.oauth_callback import CallbackResult, callback_answer, complete_authorization

router = APIRouter(tags=["oauth"])


@router.get(
    "/oauth/callback",
    response_model=None,
    response_class=HTMLResponse,
    responses={
        200: {"content": JSON_OBJECT, "description": "What happened (JSON if asked)"},
        303: {"description": "Back to the return URL given when the link was made"},
        **page_or_json_errors(400, 403, 409, 410, 422, 502, 503),
    },
)
async def oauth_callback(request: Request, services: ServicesDep) -> Response:
    params = request.query_params
    wants_json = "application/json" in request.headers.get("accept", "") or (
        params.get("format") == "json"
    )
    try:
        result: CallbackResult = await run_in_threadpool(
            complete_authorization,
            services.ctx,
            services.accounts,
            code=params.get("code"),
            state=params.get("state"),
            error=params.get("error"),
            error_description=params.get("error_description"),
        )
    except HubSpotActionsError as exc:
        status, message = callback_answer(exc)
        if wants_json:
            return JSONResponse(
                {"error": {**exc.to_dict(), "message": message}}, status_code=status
            )
        return HTMLResponse(_page("Connection failed", message, exc.code), status)
    if result.verify_redirect:  # the operator's page confirms who the user is, JSON or not
        return RedirectResponse(result.verify_redirect, status_code=303)
    view = services.accounts.view(result.account)
    if wants_json:
        return JSONResponse({"connected_account": view.model_dump(mode="json")})
    if result.return_url:
        query = urlencode({"identifier": view.identifier, "status": view.status.value})
        sep = "&" if "?" in result.return_url else "?"
        return RedirectResponse(f"{result.return_url}{sep}{query}", status_code=303)
    message = (
        f"HubSpot portal {view.hub_id} is now connected for {view.identifier}. "
        "You can close this window."
    )
    return HTMLResponse(_page("Connected", message, view.status.value))


def _page(title: str, message: str, code: str) -> str:
    esc: dict[str, Any] = {
        "title": html.escape(title),
        "message": html.escape(message),
        "code": html.escape(code),
    }
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{esc['title']} - hubspot-actions</title></head>"
        "<body style='font-family: sans-serif; max-width: 40em; margin: 4em auto'>"
        f"<h1 id='title'>{esc['title']}</h1><p id='message'>{esc['message']}</p>"
        f"<p><code id='code'>{esc['code']}</code></p></body></html>"
    )
