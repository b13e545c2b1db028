"""The ``hubspot`` connection (BYOC): the operator's HubSpot app as this deployment uses it.

Built from settings; the client secret is deliberately not part of it (only the OAuth client ever
holds the secret). The scope lists are what the authorization link asks for and what an account's
grant is checked against: the app's declared scopes in HubSpot must match ``required_scopes``
exactly, or HubSpot's consent page refuses the link.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from core.settings import Settings
from schemas.accounts import HUBSPOT_CONNECTION

#: Why HubSpot refuses a consent whose scopes differ from the app's, in words an operator can act
#: on. HubSpot shows its own "Couldn't complete the connection" page and never sends the user back
#: to us, so this text is printed by ``connections show`` and quoted by the callback's scope
#: errors rather than shown at the moment it happens.
SCOPE_MATCH_RULE = (
    "HubSpot requires an authorization link's scopes to match the app's Auth settings exactly: "
    "every scope ticked as required in the app must be in HUBSPOT_SCOPES, and every scope in "
    "HUBSPOT_SCOPES or HUBSPOT_OPTIONAL_SCOPES must be ticked in the app (required or optional). "
    "Otherwise HubSpot's page says \"Couldn't complete the connection\" (insufficient scopes, or "
    "the app is not allowed to request them) and never sends the user back here."
)


def default_scopes() -> tuple[str, ...]:
    """What the enabled tools need, plus ``oauth`` (always part of a HubSpot grant)."""
    from schemas.tools import all_required_scopes

    return ("oauth", *all_required_scopes())


@dataclass(frozen=True)
class Connection:
    name: str
    client_id: str | None
    redirect_uri: str
    authorize_url: str
    required_scopes: tuple[str, ...]
    optional_scopes: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> Connection:
        return cls(
            name=HUBSPOT_CONNECTION,
            client_id=settings.hubspot_client_id,
            redirect_uri=settings.redirect_uri,
            authorize_url=settings.hubspot_authorize_url,
            required_scopes=settings.hubspot_scopes or default_scopes(),
            optional_scopes=settings.hubspot_optional_scopes,
        )

    @property
    def scope_string(self) -> str:
        """The exact space-separated list to declare in the HubSpot app's settings."""
        return " ".join(self.required_scopes)

    def authorization_url(self, state: str) -> str:
        """HubSpot's authorize URL with our client id, redirect URI, scopes and ``state``."""
        params = {
            "client_id": self.client_id or "",
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.required_scopes),
        }
        if self.optional_scopes:
            params["optional_scope"] = " ".join(self.optional_scopes)
        params["state"] = state
        return f"{self.authorize_url}?{urlencode(params, quote_via=quote)}"

    def missing_scopes(self, granted: Iterable[str]) -> list[str]:
        """Required scopes the grant lacks (``oauth`` is implied by any grant)."""
        have = set(granted)
        if have:
            have.add("oauth")
        return [s for s in self.required_scopes if s not in have]
