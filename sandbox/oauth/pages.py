"""The HTML of HubSpot's authorization page and its error page, from ``sandbox/templates``.

A real form (portal chooser, "Connect app" and "Deny" submit buttons) so a headless browser can
click through it exactly as a user would on app.hubspot.com.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files
from string import Template

from sandbox.oauth.consent import AuthorizeRequest
from sandbox.oauth.registry import Portal


@cache
def _template(name: str) -> Template:
    return Template(files("sandbox").joinpath("templates", name).read_text(encoding="utf-8"))


def consent_page(request: AuthorizeRequest, portals: list[Portal]) -> str:
    """The chooser: existing portals first, then a fresh test account."""
    options = [f'<option value="{p.hub_id}">Account {p.hub_id}</option>' for p in portals]
    options.append('<option value="new">New test account</option>')
    scopes = [*request.scopes, *request.optional_scopes]
    items = [f"<li><code>{escape(scope)}</code></li>" for scope in scopes]
    return _template("consent.html").substitute(
        client_id=escape(request.app.client_id),
        redirect_uri=escape(request.redirect_uri),
        scope=escape(" ".join(request.scopes)),
        optional_scope=escape(" ".join(request.optional_scopes)),
        state=escape(request.state or ""),
        code_challenge=escape(request.code_challenge or ""),
        code_challenge_method="S256" if request.code_challenge else "",
        portal_options="\n".join(options),
        scope_items="\n".join(items),
    )


def error_page(message: str, code: str) -> str:
    """HubSpot's "Couldn't complete the connection" page; it never sends the user back."""
    return _template("error.html").substitute(message=escape(message), code=escape(code))
