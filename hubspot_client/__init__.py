"""HubSpot client layer: the CRM client, the OAuth client and the typed errors they raise.

The only package that talks to HubSpot over HTTP and the only place httpx errors and HubSpot error
bodies are translated (``translate.py``). Importing it builds no client. Every typed error of
``errors.py`` is exported here; its ``__all__`` is the one list of them.
"""

from hubspot_client import errors
from hubspot_client.client import HubSpotClient, HubSpotRequestLike
from hubspot_client.errors import *  # noqa: F403  (the typed errors: errors.__all__)
from hubspot_client.oauth import OAuthClient, TokenGrant
from hubspot_client.responses import HubSpotResponse, RateLimitInfo
from hubspot_client.translate import batch_item_error

__all__ = [
    "HubSpotClient",
    "HubSpotRequestLike",
    "HubSpotResponse",
    "OAuthClient",
    "RateLimitInfo",
    "TokenGrant",
    "batch_item_error",
]
__all__ += errors.__all__
