"""``GET``/``POST /oauth/authorize``: HubSpot's authorization page as a working HTML form.

GET validates the app's request and shows the portal chooser (or HubSpot's error page); the form
posts back here, and POST either redirects to the app (``code`` and ``state``, or
``error=access_denied``) or shows the error page. No code is ever issued for a refused request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sandbox.http import Request, Response, html_response, redirect_response
from sandbox.oauth import consent
from sandbox.oauth.pages import consent_page, error_page

if TYPE_CHECKING:
    from sandbox.state import Sandbox

_FIELDS = consent.REQUEST_FIELDS


def show(sandbox: Sandbox, request: Request) -> Response:
    """The consent page for an authorize URL."""
    params = {name: request.query_value(name) for name in _FIELDS}
    try:
        authorize = consent.validate(sandbox.registry, params)
    except consent.ConsentRefused as exc:
        return html_response(exc.status, error_page(exc.message, exc.code))
    portals = sorted(sandbox.registry.portals.values(), key=lambda p: p.hub_id)
    return html_response(200, consent_page(authorize, portals))


def submit(sandbox: Sandbox, request: Request) -> Response:
    """The form's "Connect app" or "Deny" button."""
    form = request.form()
    try:
        authorize = consent.validate(sandbox.registry, _params(form))
        if form.get("action") == "deny":
            return redirect_response(consent.deny(authorize))
        hub_id = _chosen_portal(sandbox, form.get("hub_id") or "")
        return redirect_response(
            consent.approve(sandbox.registry, sandbox.tokens, authorize, hub_id)
        )
    except consent.ConsentRefused as exc:
        return html_response(exc.status, error_page(exc.message, exc.code))


def _params(form: Mapping[str, str]) -> dict[str, str | None]:
    # The page always posts every field; an empty one means the app sent none.
    return {name: form.get(name) or None for name in _FIELDS}


def _chosen_portal(sandbox: Sandbox, value: str) -> int:
    if value == "new":
        return sandbox.registry.create_portal({}).hub_id
    try:
        return int(value)
    except ValueError:
        raise consent.ConsentRefused("Choose an account to connect.", "no_portal_chosen") from None
