"""The control API under ``/_sandbox/`` (DESIGN.md section 10): JSON in, JSON out, no auth.

It sets up what a real HubSpot has already (apps, portals), does what users do in HubSpot's UI
(consent, uninstall), and bends the world for tests (time, limits, faults), then reports counters.
Refusals are 4xx ``{"error": message, "code": code}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.clock import iso_ms
from sandbox.errors import ControlError
from sandbox.http import Request, Response, json_response
from sandbox.oauth import consent as consent_rules

if TYPE_CHECKING:
    from sandbox.state import Sandbox


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json()
    except ValueError as exc:
        raise ControlError(422, f"invalid JSON: {exc}", "invalid_json") from exc
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ControlError(422, "the body must be a JSON object", "invalid_json")
    return body


def _number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(422, f"{name} must be a number", "invalid_value")
    return float(value)


def register_app(sandbox: Sandbox, request: Request) -> Response:
    """``POST /_sandbox/apps``: register or update an app."""
    return json_response(200, sandbox.registry.register_app(_body(request)).view())


def create_portal(sandbox: Sandbox, request: Request) -> Response:
    """``POST /_sandbox/portals``: ``{hub_id?, lacks_scopes?}`` -> ``{hub_id}``."""
    portal = sandbox.registry.create_portal(_body(request))
    return json_response(
        200, {"hub_id": portal.hub_id, "lacks_scopes": sorted(portal.lacks_scopes)}
    )


def consent(sandbox: Sandbox, request: Request) -> Response:
    """``POST /_sandbox/consent``: what "Connect app" does (``deny: true`` clicks "Deny")."""
    body = _body(request)
    params = {
        name: None if body.get(name) is None else str(body[name])
        for name in consent_rules.REQUEST_FIELDS
    }
    try:
        authorize = consent_rules.validate(sandbox.registry, params)
        if body.get("deny"):
            return json_response(200, {"redirect_url": consent_rules.deny(authorize)})
        hub_id = int(body["hub_id"])
        url = consent_rules.approve(sandbox.registry, sandbox.tokens, authorize, hub_id)
    except consent_rules.ConsentRefused as exc:
        raise ControlError(exc.status, exc.message, exc.code) from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise ControlError(422, "hub_id must be an integer", "invalid_value") from exc
    return json_response(200, {"redirect_url": url})


def uninstall(sandbox: Sandbox, request: Request) -> Response:
    """``POST /_sandbox/portals/{hub_id}/uninstall``: kills the app's tokens on that portal."""
    client_id = _body(request).get("client_id")
    try:
        hub_id = int(request.params["hub_id"])
    except ValueError as exc:
        raise ControlError(422, "hub_id must be an integer", "invalid_value") from exc
    if sandbox.registry.portal(hub_id) is None:
        raise ControlError(404, f"no portal {hub_id}", "unknown_portal")
    if not isinstance(client_id, str) or client_id not in sandbox.registry.apps:
        raise ControlError(404, f"no app {client_id!r}", "unknown_client")
    sandbox.tokens.uninstall(client_id, hub_id)
    return json_response(200, {"hub_id": hub_id, "client_id": client_id, "uninstalled": True})


def advance_clock(sandbox: Sandbox, request: Request) -> Response:
    """``POST /_sandbox/clock``: ``{advance_seconds}``; time only moves forward."""
    seconds = _number(_body(request), "advance_seconds")
    if seconds is None or seconds < 0:
        raise ControlError(422, "advance_seconds must be a number >= 0", "invalid_value")
    sandbox.clock.advance(seconds)
    return json_response(
        200, {"now": iso_ms(sandbox.clock.now_ms()), "offset_seconds": sandbox.clock.offset}
    )


def set_limits(sandbox: Sandbox, request: Request) -> Response:
    """``POST /_sandbox/limits``: ``{burst_per_10s, search_per_second}``, 0 turns one off."""
    body = _body(request)
    burst, search = _number(body, "burst_per_10s"), _number(body, "search_per_second")
    if (burst is not None and burst < 0) or (search is not None and search < 0):
        raise ControlError(422, "limits must be >= 0", "invalid_value")
    sandbox.limits.configure(
        burst_per_10s=None if burst is None else int(burst),
        search_per_second=None if search is None else int(search),
    )
    limits = sandbox.limits
    return json_response(
        200, {"burst_per_10s": limits.burst.limit, "search_per_second": limits.search.limit}
    )


def add_fault(sandbox: Sandbox, request: Request) -> Response:
    """``POST /_sandbox/faults``: -> ``{id}``."""
    return json_response(200, {"id": sandbox.faults.add(_body(request)).id})


def clear_faults(sandbox: Sandbox, request: Request) -> Response:
    """``DELETE /_sandbox/faults``."""
    sandbox.faults.clear()
    return json_response(200, {"cleared": True})


def stats(sandbox: Sandbox, request: Request) -> Response:
    """``GET /_sandbox/stats``."""
    created: dict[str, int] = {}
    for (_, object_type), store in sandbox.stores().items():
        created[object_type] = created.get(object_type, 0) + store.created
    return json_response(200, {**sandbox.stats.snapshot(), "records_created": created})


def reset(sandbox: Sandbox, request: Request) -> Response:
    """``POST /_sandbox/reset``: forget everything."""
    sandbox.reset()
    return json_response(200, {"reset": True})
