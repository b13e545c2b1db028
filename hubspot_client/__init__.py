"""HubSpot client layer: the CRM client, the OAuth client and the typed errors they raise.

The only package that talks to HubSpot over HTTP and the only place httpx errors and HubSpot error
bodies are translated (``translate.py``). Importing it builds no client.
"""

from hubspot_client.client import HubSpotClient, HubSpotRequestLike
from hubspot_client.errors import (
    AuthCodeRejected,
    HubSpotConflict,
    HubSpotError,
    HubSpotMissingScopes,
    HubSpotNotFound,
    HubSpotOutcomeUnknown,
    HubSpotRateLimited,
    HubSpotRequestError,
    HubSpotUnauthorized,
    HubSpotUnavailable,
    OAuthError,
    OAuthRequestError,
    OAuthUnavailable,
    RefreshTokenRejected,
)
from hubspot_client.oauth import OAuthClient, TokenGrant
from hubspot_client.responses import HubSpotResponse, RateLimitInfo
from hubspot_client.translate import batch_item_error

__all__ = [
    "AuthCodeRejected",
    "HubSpotClient",
    "HubSpotConflict",
    "HubSpotError",
    "HubSpotMissingScopes",
    "HubSpotNotFound",
    "HubSpotOutcomeUnknown",
    "HubSpotRateLimited",
    "HubSpotRequestError",
    "HubSpotRequestLike",
    "HubSpotResponse",
    "HubSpotUnauthorized",
    "HubSpotUnavailable",
    "OAuthClient",
    "OAuthError",
    "OAuthRequestError",
    "OAuthUnavailable",
    "RateLimitInfo",
    "RefreshTokenRejected",
    "TokenGrant",
    "batch_item_error",
]
