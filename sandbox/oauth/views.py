"""Token metadata bodies: v1 ``access-tokens``/``refresh-tokens`` and v3 introspection.

Shapes follow the documented examples (facts 1.4); the user, domain and signature fields are
made-up but stable per portal, since the sandbox has no real users. The signed access token also
carries ``appInstallId`` (an integer, stable per app and portal) and ``audience`` (a string), which
the facts sheet lists as required in the spec snapshot it read (facts 5b). The stored spec
versions read for this work (v1 155908, v3 and 2026-03 279897) do not define them yet, so their
types and the ``audience`` value are guesses (UNCONFIRMED).
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

from sandbox.oauth.registry import App, Portal
from sandbox.oauth.tokens import AccessToken, RefreshToken

if TYPE_CHECKING:
    from sandbox.state import Sandbox


def _portal(sandbox: Sandbox, hub_id: int) -> Portal:
    portal = sandbox.registry.portal(hub_id)
    # A portal is never deleted, but keep metadata answerable even if one were.
    return portal if portal is not None else Portal(hub_id, frozenset(), user_id=hub_id)


#: What ``signed_access_token.audience`` says for a public, marketplace-distributed app (guess).
AUDIENCE = "marketplace"


def app_install_id(app_id: int, hub_id: int) -> int:
    """One install's id: stable per app and portal, within the spec's int32 range."""
    return (app_id % 1000) * 1_000_000 + hub_id % 1_000_000


def _signed(access: AccessToken, portal: Portal) -> dict[str, Any]:
    digest = hashlib.sha256(access.token.encode()).digest()
    signature = base64.b64encode(digest).decode()
    return {
        "expiresAt": int(access.expires_at * 1000),
        "scopes": base64.b64encode(" ".join(access.scopes).encode()).decode(),
        "hubId": access.hub_id,
        "userId": portal.user_id,
        "appId": access.app_id,
        "signature": signature,
        "scopeToScopeGroupPks": "",
        "newSignature": signature,
        "hublet": "na1",
        "trialScopes": "",
        "trialScopeToScopeGroupPks": "",
        "isUserLevel": False,
        "installingUserId": portal.user_id,
        "isServiceAccount": False,
        "isPrivateDistribution": False,
        "appInstallId": app_install_id(access.app_id, access.hub_id),
        "audience": AUDIENCE,
    }


def _owner(token: AccessToken | RefreshToken, portal: Portal) -> dict[str, Any]:
    """The v1 metadata's first fields, the same for both kinds of token: whose it is, for what."""
    return {
        "token": token.token,
        "user": portal.user,
        "hub_domain": portal.domain,
        "scopes": list(token.scopes),
    }


def access_info(sandbox: Sandbox, access: AccessToken) -> dict[str, Any]:
    """``GET /oauth/v1/access-tokens/{token}``."""
    portal = _portal(sandbox, access.hub_id)
    return {
        **_owner(access, portal),
        "signed_access_token": _signed(access, portal),
        "hub_id": access.hub_id,
        "app_id": access.app_id,
        "expires_in": max(0, int(access.expires_at - sandbox.clock.now())),
        "user_id": portal.user_id,
        "token_type": "access",
        "is_private_distribution": False,
    }


def refresh_info(sandbox: Sandbox, refresh: RefreshToken) -> dict[str, Any]:
    """``GET /oauth/v1/refresh-tokens/{token}`` (``token_type`` "refresh" by analogy)."""
    portal = _portal(sandbox, refresh.hub_id)
    return {
        **_owner(refresh, portal),
        "hub_id": refresh.hub_id,
        "client_id": refresh.client_id,
        "user_id": portal.user_id,
        "token_type": "refresh",
    }


def _introspection(token: AccessToken | RefreshToken, portal: Portal, app: App) -> dict[str, Any]:
    """The v3 introspection's first fields, the same for both kinds of live token."""
    return {
        "active": True,
        "token": token.token,
        "hub_id": token.hub_id,
        "user_id": portal.user_id,
        "client_id": app.client_id,
        "app_id": app.app_id,
        "user": portal.user,
        "hub_domain": portal.domain,
        "scopes": list(token.scopes),
    }


def introspect_access(sandbox: Sandbox, access: AccessToken, app: App) -> dict[str, Any]:
    """Introspection of a live access token (DOC-MANAGE-OAUTH-v3 example)."""
    portal = _portal(sandbox, access.hub_id)
    return {
        **_introspection(access, portal, app),
        "signed_access_token": _signed(access, portal),
        "expires_in": max(0, int(access.expires_at - sandbox.clock.now())),
        "is_private_distribution": False,
        "token_use": "access_token",
        "token_type": "Bearer",
    }


def introspect_refresh(sandbox: Sandbox, refresh: RefreshToken, app: App) -> dict[str, Any]:
    """Introspection of a live refresh token."""
    return {
        **_introspection(refresh, _portal(sandbox, refresh.hub_id), app),
        "token_use": "refresh_token",
        "token_type": "Bearer",
    }
