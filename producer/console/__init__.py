"""The operator's console (DESIGN.md section 16): server-rendered pages under ``/console``.

``install_console`` adds the routes to the web app; nothing here runs in the browser but a
one-line "copy" button. See ``session`` for the cookie and CSRF rules, ``pages`` for what each
page shows, ``charts`` for the inline SVG.
"""

from __future__ import annotations

from fastapi import FastAPI

from core.settings import Settings


def install_console(app: FastAPI, settings: Settings) -> None:
    from producer.console import auth_routes, pages
    from producer.console.session import signer_from_settings
    from producer.console.web import install_handlers

    app.state.console_signer = signer_from_settings(settings)
    install_handlers(app)
    app.include_router(auth_routes.router)
    app.include_router(pages.router)
