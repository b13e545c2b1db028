"""What a successful HubSpot call returns: plain frozen values, no httpx types leak out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """HubSpot's ``X-HubSpot-RateLimit-*`` headers: ``remaining`` of ``max`` calls are left in the
    current ``interval_ms`` window. Absent on search responses (and so ``None`` there)."""

    max: int
    remaining: int
    interval_ms: int | None


@dataclass(frozen=True, slots=True)
class HubSpotResponse:
    """A 2xx answer. ``body`` is the parsed JSON, ``None`` for an empty body (204)."""

    status_code: int
    body: Any
    correlation_id: str | None
    rate_limit: RateLimitInfo | None
    elapsed_ms: float
