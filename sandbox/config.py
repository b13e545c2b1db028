"""The sandbox's knobs, fixed when it starts (the control API changes limits and time later).

Defaults are HubSpot's own numbers from ``hubspot-facts.md`` where HubSpot publishes one; where it
does not (the authorization code's lifetime) the default is a documented guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: HubSpot's access-token lifetime since the 30-minute change (facts 1.3, CL-30MIN).
DEFAULT_TOKEN_TTL = 1800
#: HubSpot only says "a short window" (facts 1.1); five minutes is a guess, UNCONFIRMED.
DEFAULT_AUTH_CODE_TTL = 300
#: Public apps: 110 requests per rolling 10 s per installing account (facts 3).
DEFAULT_BURST_PER_10S = 110
#: CRM search: 5 requests per second per account (facts 3).
DEFAULT_SEARCH_PER_SECOND = 5
#: How long a new access token is presumed undelivered, for double-refresh detection (stats).
DEFAULT_REFRESH_SETTLE_SECONDS = 5.0
#: How long a write takes to reach the search index (0: at once). HubSpot's lag is "a few
#: moments" (facts 3, 5b); its size is UNCONFIRMED, hence a setting.
DEFAULT_SEARCH_INDEX_DELAY_MS = 0
#: The first hub id handed out by ``POST /_sandbox/portals`` when none is asked for.
DEFAULT_FIRST_HUB_ID = 20000001
#: ``SANDBOX_STATE``'s spelling for "keep nothing on disk".
MEMORY = "memory"


def state_path(value: str | Path | None) -> Path | None:
    """``SANDBOX_STATE`` as a path, or None for ``memory`` (or nothing)."""
    if value is None:
        return None
    text = str(value).strip()
    if text.lower() in ("", MEMORY, ":memory:"):
        return None
    return Path(text)


@dataclass(frozen=True)
class SandboxConfig:
    """How one sandbox instance behaves.

    ``rotate_refresh_tokens`` is off by default because HubSpot's docs imply a long-lived refresh
    token (facts 1.3, UNCONFIRMED); turning it on makes every refresh issue a new refresh token and
    retire the old one, so the pipeline's "store the refresh token from every response" rule is
    exercised. ``seed`` makes fault probabilities reproducible. ``search_index_delay_ms`` makes a
    created or updated record show in search (with its new values) only that long after the
    write, on the sandbox clock, so time travel moves the index too.
    ``state_path`` is the SQLite file the state persists to (``sandbox.persistence``); None
    keeps it in memory only.
    """

    token_ttl: int = DEFAULT_TOKEN_TTL
    rotate_refresh_tokens: bool = False
    auth_code_ttl: int = DEFAULT_AUTH_CODE_TTL
    burst_per_10s: int = DEFAULT_BURST_PER_10S
    search_per_second: int = DEFAULT_SEARCH_PER_SECOND
    refresh_settle_seconds: float = DEFAULT_REFRESH_SETTLE_SECONDS
    first_hub_id: int = DEFAULT_FIRST_HUB_ID
    seed: int | None = None
    search_index_delay_ms: int = DEFAULT_SEARCH_INDEX_DELAY_MS
    state_path: Path | None = None
