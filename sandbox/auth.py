"""The guard in front of every CRM call: token, rate limits, then scopes (facts 2.2-2.4, 3).

Order matters for fidelity: an unknown or expired token is refused before it can count against a
portal's limits; a call with a valid token counts against its limits even if its scopes then fall
short. The burst window is per (app, portal) and sends ``X-HubSpot-RateLimit-*`` headers; search
has its own per-portal window and sends none (facts 2.9).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.clock import iso_ms
from sandbox.errors import (
    RateLimited,
    expired_authentication,
    invalid_authentication,
    missing_scopes,
)
from sandbox.http import Request
from sandbox.routing import Access

if TYPE_CHECKING:
    from sandbox.state import Sandbox


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if there is one."""
    for name, value in headers:
        if name == b"authorization":
            if value[:7].lower() != b"bearer ":
                return None
            return value[7:].strip().decode("latin-1") or None
    return None


def note_presented(sandbox: Sandbox, headers: list[tuple[bytes, bytes]]) -> None:
    """Remember that the client holds this access token (it sent it), whatever the answer.

    Double-refresh detection relies on it (``sandbox.oauth.tokens``): a token the client has
    presented has certainly reached it, even if an injected fault answered the call.
    """
    token = bearer_token(headers)
    grant = sandbox.tokens.access.get(token) if token is not None else None
    if grant is not None:
        grant.used = True


def authorize(sandbox: Sandbox, request: Request, access: Access) -> list[tuple[bytes, bytes]]:
    """Admit a CRM call or raise HubSpot's 401/429/403; returns the rate-limit headers to send."""
    token = bearer_token(request.headers)
    grant = sandbox.tokens.access.get(token) if token is not None else None
    stats = sandbox.stats
    if grant is None:
        stats.invalid_token_401 += 1
        raise invalid_authentication()
    grant.used = True
    now = sandbox.clock.now()
    if now >= grant.expires_at:
        stats.expired_token_401 += 1
        raise expired_authentication(now - grant.expires_at, iso_ms(int(grant.expires_at * 1000)))
    stats.crm_requests[grant.hub_id] += 1
    if request.path.startswith("/crm/v3/objects/"):
        stats.crm_object_requests[grant.hub_id] += 1
    headers = _limit(sandbox, access, grant.client_id, grant.hub_id)
    if grant.scope_set.isdisjoint(access.scopes):
        error = missing_scopes(list(access.scopes))
        error.headers.extend((k.decode(), v.decode()) for k, v in headers)
        raise error
    request.grant = grant
    return headers


def _limit(
    sandbox: Sandbox, access: Access, client_id: str, hub_id: int
) -> list[tuple[bytes, bytes]]:
    limits = sandbox.limits
    if access.search:
        if limits.search.acquire(hub_id) is None:
            raise RateLimited("SECONDLY")
        return []
    remaining = limits.burst.acquire((client_id, hub_id))
    if remaining is None:
        headers = [(k.decode(), v.decode()) for k, v in limits.burst_headers(0)]
        raise RateLimited("TEN_SECONDLY_ROLLING", headers)
    return limits.burst_headers(remaining) if remaining >= 0 else []
