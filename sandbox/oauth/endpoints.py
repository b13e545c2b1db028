"""HubSpot's token endpoints: v1 (legacy), v3 and 2026-03 token grants, metadata, introspection
and revocation (facts 1.3-1.5).

v1 reads parameters from the form body and, as its spec allows, from the query string; v3 and
2026-03 read the body only. Errors are 400 with the v1 body ``{status, message}`` or the v3 body
that adds RFC 6749's ``error``/``error_description``. Assumptions (UNCONFIRMED): an unknown client
is ``BAD_CLIENT_ID``/``invalid_client`` and a wrong secret ``BAD_CLIENT_SECRET``/``invalid_client``,
both 400; revocation answers 200 with an empty body, as RFC 7009 says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sandbox.errors import ApiError, OAuthError
from sandbox.http import Request, Response, empty_response, json_response
from sandbox.oauth.registry import App
from sandbox.oauth.tokens import AccessToken, RefreshToken
from sandbox.oauth.views import access_info, introspect_access, introspect_refresh, refresh_info
from sandbox.routing import Handler

if TYPE_CHECKING:
    from sandbox.state import Sandbox


def token_handler(*, legacy: bool) -> Handler:
    """``POST /oauth/{v1,v3,2026-03}/token``; ``legacy`` selects v1's parameters and errors."""

    def handler(sandbox: Sandbox, request: Request) -> Response:
        fields: dict[str, str] = dict(request.form())
        if legacy:
            for name, values in request.query.items():
                fields.setdefault(name, values[0])
        try:
            access, refresh = _grant(sandbox, fields)
        except OAuthError as exc:
            exc.legacy = legacy
            raise
        return json_response(200, _token_body(access, refresh))

    return handler


def _grant(sandbox: Sandbox, fields: Mapping[str, str]) -> tuple[AccessToken, RefreshToken]:
    grant_type = fields.get("grant_type")
    if grant_type not in ("authorization_code", "refresh_token"):
        raise OAuthError(
            "BAD_GRANT_TYPE",
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        )
    app = client(sandbox, fields)
    if grant_type == "authorization_code":
        code, redirect_uri = fields.get("code") or "", fields.get("redirect_uri") or ""
        verifier = fields.get("code_verifier") or None
        return sandbox.tokens.exchange_code(app, code, redirect_uri, verifier)
    return sandbox.tokens.refresh_grant(app, fields.get("refresh_token") or "")


def client(sandbox: Sandbox, fields: Mapping[str, str]) -> App:
    """The app authenticated by ``client_id`` and ``client_secret``."""
    app = sandbox.registry.apps.get(fields.get("client_id") or "")
    if app is None:
        raise OAuthError("BAD_CLIENT_ID", "invalid_client", "missing or unknown client id")
    if fields.get("client_secret") != app.client_secret:
        raise OAuthError("BAD_CLIENT_SECRET", "invalid_client", "missing or invalid client secret")
    return app


def _token_body(access: AccessToken, refresh: RefreshToken) -> dict[str, Any]:
    return {
        "token_type": "bearer",
        "refresh_token": refresh.token,
        "access_token": access.token,
        "expires_in": round(access.expires_at - access.issued_at),
        "hub_id": access.hub_id,
        "scopes": list(access.scopes),
        "token_use": "access_token",
    }


def access_token_info(sandbox: Sandbox, request: Request) -> Response:
    """``GET /oauth/v1/access-tokens/{token}``: 404 once unknown, killed or expired."""
    access = sandbox.tokens.access.get(request.params["token"])
    if access is None or sandbox.clock.now() >= access.expires_at:
        raise _token_not_found()
    access.used = True
    return json_response(200, access_info(sandbox, access))


def refresh_token_info(sandbox: Sandbox, request: Request) -> Response:
    """``GET /oauth/v1/refresh-tokens/{token}``."""
    refresh = sandbox.tokens.refresh.get(request.params["token"])
    if refresh is None:
        raise _token_not_found()
    return json_response(200, refresh_info(sandbox, refresh))


def delete_refresh_token(sandbox: Sandbox, request: Request) -> Response:
    """``DELETE /oauth/v1/refresh-tokens/{token}``: 204; its access tokens keep working."""
    if not sandbox.tokens.revoke_refresh(request.params["token"]):
        raise _token_not_found()
    return empty_response(204)


def introspect(sandbox: Sandbox, request: Request) -> Response:
    """``POST /oauth/{v3,2026-03}/token/introspect``, in the doc's form or the spec's."""
    fields = request.form()
    app = client(sandbox, fields)
    hint = fields.get("token_type_hint")
    token = fields.get("token") or fields.get(hint or "") or ""
    if hint != "refresh_token":
        access = sandbox.tokens.access.get(token)
        live = access is not None and sandbox.clock.now() < access.expires_at
        if access is not None and live and access.client_id == app.client_id:
            access.used = True
            return json_response(200, introspect_access(sandbox, access, app))
    if hint != "access_token":
        refresh = sandbox.tokens.refresh.get(token)
        if refresh is not None and refresh.client_id == app.client_id:
            return json_response(200, introspect_refresh(sandbox, refresh, app))
    return json_response(200, {"active": False})


def revoke(sandbox: Sandbox, request: Request) -> Response:
    """``POST /oauth/{v3,2026-03}/token/revoke``: a refresh token (or an access token) dies."""
    fields = request.form()
    app = client(sandbox, fields)
    token = fields.get("token") or ""
    refresh = sandbox.tokens.refresh.get(token)
    if refresh is not None and refresh.client_id == app.client_id:
        sandbox.tokens.revoke_refresh(token)
    access = sandbox.tokens.access.get(token)
    if access is not None and access.client_id == app.client_id:
        sandbox.tokens.revoke_access(token)
    return empty_response(200)


def _token_not_found() -> ApiError:
    # HubSpot's body for an unknown token here is UNCONFIRMED; a standard 404 error body.
    return ApiError(404, "Token not found", "OBJECT_NOT_FOUND")
