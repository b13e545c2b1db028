"""The refresher's own error, placed in the HubSpot error tree so the retry policy needs no change.

    OAuthUnavailable (hubspot_client.errors)    hubspot_unavailable  retry  retry_after
    +-- RefreshDeferred                         hubspot_unavailable  retry  retry_after

``RefreshDeferred`` means no refresh could be attempted right now, though one is needed: another
process has held the account's refresh lock for longer than a caller waits, or a recent failure
asked everyone to hold off. Nothing was sent to HubSpot. A job that meets it waits and runs again,
exactly as if the token endpoint had answered 503.
"""

from __future__ import annotations

from hubspot_client.errors import OAuthUnavailable


class RefreshDeferred(OAuthUnavailable):
    """A needed refresh cannot happen now; ``retry_after`` says when it may (seconds)."""
