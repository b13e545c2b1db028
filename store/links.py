"""Authorization links: a fresh single-use state bound to the account, in HubSpot's authorize URL.

Both the API (``POST /v1/authorization-links``, refusals at submit) and the worker (a job that
fails because the account needs re-authorization) mint links, so the one recipe lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.errors import ConfigurationError
from schemas.connection import Connection
from store.oauth_states import OAuthStateStore


@dataclass(frozen=True)
class AuthorizationLink:
    link: str
    expires_at: datetime


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
    state, expires_at = states.issue(account_id=account_id, return_url=return_url)
    return AuthorizationLink(link=connection.authorization_url(state), expires_at=expires_at)
