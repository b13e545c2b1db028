"""Signing in to the console with an API key, and out again.

The key is checked exactly like a ``/v1`` Bearer key (``ApiKeyStore.verify``: hashed, not
revoked); the session then holds the key's id, not the key. A wrong key answers 401 with the
form again, and says nothing about why (unknown and revoked keys look the same).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from core.logging import get_logger
from producer.api.deps import ServicesDep
from producer.console.session import COOKIE_NAME, COOKIE_PATH
from producer.console.web import SIGN_IN_PATH, FormDep, render, same_origin, signer

log = get_logger(__name__)

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/signin", response_class=HTMLResponse)
def sign_in_page() -> HTMLResponse:
    return render("signin.html")


@router.post("/signin", response_model=None)
async def sign_in(request: Request, services: ServicesDep) -> Response:
    form = await request.form()
    key = form.get("api_key")
    if not same_origin(request):
        return render("signin.html", status_code=403, error="Sign in from the console's own page.")
    record = None
    if isinstance(key, str) and key.strip():
        record = await run_in_threadpool(services.ctx.api_keys.verify, key.strip())
    if record is None:
        log.info("console.sign_in_refused")
        return render("signin.html", status_code=401, error="That API key is not valid.")
    console_signer = signer(request)
    _, value = console_signer.issue(record.id)
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=console_signer.max_age_s,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=console_signer.secure,
    )
    log.info("console.signed_in", api_key_id=record.id)
    return response


@router.post("/signout", response_model=None)
async def sign_out(form: FormDep) -> Response:
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response
