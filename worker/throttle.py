"""The portal's rate budget as the executor sees it: take a slot before a call, count extra ones.

Thin on purpose: the budget itself is ``worker.ratelimit``. What is decided here is only what a
Redis outage means for a call: fail open, because HubSpot's own 429s (and the decision table's
rule for them) still protect the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import redis

from core.logging import get_logger
from schemas.tools import HubSpotRequest
from store.accounts import AccountRecord
from worker.ratelimit import RateLimiter

log = get_logger(__name__)


class BudgetStep(Protocol):
    """``RateLimiter.acquire`` or ``RateLimiter.record``, bound."""

    def __call__(self, *, hub_id: int, holder: str, search: bool) -> None: ...


@dataclass(eq=False, kw_only=True)
class PortalThrottle:
    limiter: RateLimiter | None

    def acquire(self, holder: str, account: AccountRecord, request: HubSpotRequest) -> None:
        """Take a slot of the portal's budget, or raise ``PortalBudgetExhausted`` (a wait)."""
        if self.limiter is not None:
            _fail_open(self.limiter.acquire, holder, account, request)

    def record(self, holder: str, account: AccountRecord, request: HubSpotRequest) -> None:
        """Count a call made without asking (the resend after a refresh, a recovery read)."""
        if self.limiter is not None:
            _fail_open(self.limiter.record, holder, account, request)


def _fail_open(
    step: BudgetStep, holder: str, account: AccountRecord, request: HubSpotRequest
) -> None:
    """Run ``step`` on the portal's budget: none before the account knows its portal, and a
    Redis outage lets the call go (logged)."""
    if account.hub_id is None:
        return
    try:
        step(hub_id=account.hub_id, holder=holder, search=is_search(request))
    except redis.RedisError as exc:
        log.warning("ratelimit.unavailable", error=type(exc).__name__)


def is_search(request: HubSpotRequest) -> bool:
    """Search calls have their own HubSpot limit (and so their own budget)."""
    return request.method == "POST" and request.path.endswith("/search")
