"""Authorization links: a fresh single-use state bound to the account, in HubSpot's authorize URL.

Both the API (``POST /v1/authorization-links``, refusals at submit) and the worker (a job that
fails because the account needs re-authorization) mint links, so the one recipe lives here.

Every link carries PKCE (RFC 7636, S256): a random verifier kept with the state, its SHA-256 as
``code_challenge`` in the URL. HubSpot binds the code it issues to the challenge, and the callback
sends the verifier of the state it received, so a code obtained from another user's consent
cannot complete this user's link (issue 10, defect 5).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from core.errors import ConfigurationError
from schemas.connection import Connection
from store.oauth_states import OAuthStateStore

#: Random bytes of a PKCE verifier: 32 give 43 URL-safe characters, RFC 7636's minimum length
#: and its recommended construction (section 4.1).
VERIFIER_BYTES = 32


@dataclass(frozen=True)
class AuthorizationLink:
    link: str
    expires_at: datetime


def new_code_verifier() -> str:
    """A fresh PKCE verifier (43 characters of the unreserved set)."""
    return secrets.token_urlsafe(VERIFIER_BYTES)


def s256_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(verifier))`` without padding (RFC 7636 section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def mint_authorization_link(
    *,
    states: OAuthStateStore,
    connection: Connection,
    account_id: str,
    return_url: str | None = None,
) -> AuthorizationLink:
    if not connection.client_id:
        raise ConfigurationError(
            "HUBSPOT_CLIENT_ID: not set, so no authorization link can be made "
            "(`hubspot-actions run` sets it to the local sandbox app)"
        )
    verifier = new_code_verifier()
    state, expires_at = states.issue(
        account_id=account_id, return_url=return_url, code_verifier=verifier
    )
    pkce = f"&code_challenge={quote(s256_challenge(verifier))}&code_challenge_method=S256"
    return AuthorizationLink(link=connection.authorization_url(state) + pkce, expires_at=expires_at)
