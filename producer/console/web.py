"""What every console route shares: templates, the session dependency, CSRF-checked forms.

A page without a valid session answers a redirect to the sign-in page (``SignInRequired``), a
POST whose CSRF token or ``Origin`` does not match answers 403 (``FormRefused``): the exceptions
are turned into those answers by the handlers ``install_handlers`` adds.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from producer.api.deps import ServicesDep
from producer.console.session import COOKIE_NAME, CSRF_FIELD, Session, SessionSigner
from producer.services import Services

SIGN_IN_PATH = "/console/signin"


class SignInRequired(Exception):
    """No valid session: the answer is a redirect to the sign-in page."""


class FormRefused(Exception):
    """A POST with a missing or wrong CSRF token, or from another origin: 403."""


@cache
def templates() -> Environment:
    return Environment(
        loader=PackageLoader("producer.console", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = templates().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=_NO_STORE)


#: Console pages show live state and carry a CSRF token: never cached, never framed.
_NO_STORE = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def signer(request: Request) -> SessionSigner:
    value: SessionSigner = request.app.state.console_signer
    return value


def _key_active(services: Services, key_id: str) -> bool:
    return any(k.id == key_id and k.revoked_at is None for k in services.ctx.api_keys.list())


async def current_session(request: Request, services: ServicesDep) -> Session:
    """The request's session, if its cookie is valid and its API key is not revoked."""
    session = signer(request).read(request.cookies.get(COOKIE_NAME))
    if session is None or not await run_in_threadpool(_key_active, services, session.key_id):
        raise SignInRequired
    return session


SessionDep = Annotated[Session, Depends(current_session)]


def same_origin(request: Request) -> bool:
    """A browser's ``Origin`` (when sent) names this host; SameSite cookies do the rest."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def checked_form(request: Request, session: SessionDep) -> FormData:
    """The POSTed form, once its CSRF token matches the session's and its origin is ours."""
    form = await request.form()
    if not same_origin(request) or not session.csrf_ok(form.get(CSRF_FIELD)):
        raise FormRefused
    return form


FormDep = Annotated[FormData, Depends(checked_form)]


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        response = RedirectResponse(SIGN_IN_PATH, status_code=303)
        response.headers.update(_NO_STORE)
        return response

    @app.exception_handler(FormRefused)
    async def _refused(request: Request, exc: FormRefused) -> Response:
        return render(
            "error.html",
            status_code=403,
            message="This form has expired or did not come from the console. Reload the page "
            "and try again.",
        )
