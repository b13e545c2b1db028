"""The portal's rate budget as the executor sees it: take a slot before a call, count extra ones.

Thin on purpose: the budget itself is ``worker.ratelimit``. What is decided here is only what a
Redis outage means for a call: fail open, because HubSpot's own 429s (and the decision table's
rule for them) still protect the portal.
"""

from __future__ import annotations

import redis

from core.logging import get_logger
from schemas.tools import HubSpotRequest
from store.accounts import AccountRecord
from worker.ratelimit import RateLimiter

log = get_logger(__name__)


class PortalThrottle:
    def __init__(self, *, limiter: RateLimiter | None) -> None:
        self.limiter = limiter

    def acquire(self, holder: str, account: AccountRecord, request: HubSpotRequest) -> None:
        """Take a slot of the portal's budget, or raise ``PortalBudgetExhausted`` (a wait)."""
        if self.limiter is None or account.hub_id is None:
            return
        try:
            self.limiter.acquire(hub_id=account.hub_id, holder=holder, search=is_search(request))
        except redis.RedisError as exc:
            log.warning("ratelimit.unavailable", error=type(exc).__name__)

    def record(self, holder: str, account: AccountRecord, request: HubSpotRequest) -> None:
        """Count a call made without asking (the resend after a refresh, a recovery read)."""
        if self.limiter is None or account.hub_id is None:
            return
        try:
            self.limiter.record(hub_id=account.hub_id, holder=holder, search=is_search(request))
        except redis.RedisError as exc:
            log.warning("ratelimit.unavailable", error=type(exc).__name__)


def is_search(request: HubSpotRequest) -> bool:
    """Search calls have their own HubSpot limit (and so their own budget)."""
    return request.method == "POST" and request.path.endswith("/search")
