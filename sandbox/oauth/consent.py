"""What HubSpot's authorization page decides: refuse the request, or grant a code to a portal.

The rules (facts 1.1-1.2): an unknown ``client_id`` or an unregistered ``redirect_uri`` is refused
outright; ``scope`` must contain every scope the app declares as required, and may only name
scopes the app declares at all; a portal lacking a required scope refuses the install, while an
``optional_scope`` the portal lacks is silently dropped. Refusals are shown on HubSpot's own page
and never reach the app (whether HubSpot also redirects with ``error=`` is UNCONFIRMED; we don't).

PKCE (RFC 7636): HubSpot's token endpoint takes ``code_verifier`` (facts 1.1) but its authorize
parameters are UNCONFIRMED; we accept ``code_challenge`` with ``code_challenge_method=S256`` and
refuse ``plain`` (or no method, which RFC 7636 reads as ``plain``): the product only sends S256,
and a stricter sandbox catches a client that forgets the method.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from sandbox.oauth.registry import App, Registry
from sandbox.oauth.tokens import TokenBook

#: HubSpot's page wording for each refusal; the first four are captured (facts 1.2).
INSUFFICIENT_SCOPES = (
    "Couldn't complete the connection – Insufficient scopes were provided. "
    "Please contact the app developer."
)
SCOPES_NOT_ALLOWED = "The app developer doesn't have permissions to request the set of scopes."
ACCOUNT_LACKS_FEATURES = (
    "This account doesn't have access to some HubSpot features that are required by this app."
)
UNKNOWN_CLIENT = "Couldn't complete the connection – this app doesn't exist (unknown client_id)."
BAD_REDIRECT = (
    "Couldn't complete the connection – the redirect_uri doesn't match any redirect URL "
    "in the app's settings."
)
#: The parameters of an authorization request, in the URL, the page's form and the control API.
REQUEST_FIELDS = (
    "client_id",
    "redirect_uri",
    "scope",
    "optional_scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
#: PKCE refusals (our wording; HubSpot's is UNCONFIRMED).
BAD_CHALLENGE_METHOD = (
    "Couldn't complete the connection – code_challenge_method must be S256 "
    "when a code_challenge is sent."
)
BAD_CHALLENGE = (
    "Couldn't complete the connection – code_challenge must be an S256 challenge "
    "(43 base64url characters)."
)
#: What base64url(sha256(verifier)) without padding looks like: 32 bytes are 43 characters.
_S256_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: ``error_description`` sent with ``error=access_denied`` (wording UNCONFIRMED).
DENIED = "The user denied the request"


class ConsentRefused(Exception):
    """HubSpot would show an error page; ``code`` is a stable name for tests and the control API."""

    def __init__(self, message: str, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    """A validated authorization request, ready for a portal to be chosen."""

    app: App
    redirect_uri: str
    scopes: tuple[str, ...]
    optional_scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None = None


def validate(registry: Registry, params: Mapping[str, str | None]) -> AuthorizeRequest:
    """Check the authorize URL's parameters; raises ``ConsentRefused`` like HubSpot's page."""
    app = registry.apps.get(params.get("client_id") or "")
    if app is None:
        raise ConsentRefused(UNKNOWN_CLIENT, "unknown_client")
    redirect_uri = params.get("redirect_uri") or ""
    if redirect_uri not in app.redirect_uris:
        raise ConsentRefused(BAD_REDIRECT, "bad_redirect_uri")
    scopes = tuple((params.get("scope") or "").split())
    optional = tuple((params.get("optional_scope") or "").split())
    declared = {*app.scopes, *app.optional_scopes, "oauth"}
    if any(scope not in declared for scope in scopes + optional):
        raise ConsentRefused(SCOPES_NOT_ALLOWED, "scopes_not_allowed")
    if any(scope not in scopes for scope in app.scopes if scope != "oauth"):
        raise ConsentRefused(INSUFFICIENT_SCOPES, "insufficient_scopes")
    challenge = _challenge(params)
    return AuthorizeRequest(app, redirect_uri, scopes, optional, params.get("state"), challenge)


def _challenge(params: Mapping[str, str | None]) -> str | None:
    """The S256 ``code_challenge``, if the request carries one (see the module docstring)."""
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if challenge is None and method is None:
        return None
    if method != "S256":
        raise ConsentRefused(BAD_CHALLENGE_METHOD, "unsupported_code_challenge_method")
    if challenge is None or not _S256_CHALLENGE.match(challenge):
        raise ConsentRefused(BAD_CHALLENGE, "invalid_code_challenge")
    return challenge


def approve(registry: Registry, tokens: TokenBook, request: AuthorizeRequest, hub_id: int) -> str:
    """ "Connect app" on portal ``hub_id``: the redirect URL carrying a fresh code and the state."""
    portal = registry.portal(hub_id)
    if portal is None:
        raise ConsentRefused(f"No HubSpot account {hub_id} exists.", "unknown_portal", 404)
    if any(scope in portal.lacks_scopes for scope in request.scopes):
        raise ConsentRefused(ACCOUNT_LACKS_FEATURES, "account_lacks_features")
    app = request.app
    granted: list[str] = []
    if "oauth" in app.scopes or "oauth" in app.optional_scopes:
        granted.append("oauth")
    granted.extend(request.scopes)
    granted.extend(s for s in request.optional_scopes if s not in portal.lacks_scopes)
    unique = tuple(dict.fromkeys(granted))
    code = tokens.issue_code(
        app, request.redirect_uri, hub_id, unique, code_challenge=request.code_challenge
    )
    return with_query(request.redirect_uri, {"code": code, "state": request.state})


def deny(request: AuthorizeRequest) -> str:
    """ "Deny": back to the app with ``error=access_denied`` (format from facts 1.1)."""
    params = {"error": "access_denied", "error_description": DENIED, "state": request.state}
    return with_query(request.redirect_uri, params)


def with_query(url: str, params: Mapping[str, str | None]) -> str:
    """``url`` with ``params`` appended (None values left out, spaces as ``%20``)."""
    extra = urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote)
    parts = urlsplit(url)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
