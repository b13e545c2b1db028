"""What an account's failed refreshes have taught us: how many in a row, until when to hold off,
and whether an answer was lost.

Kept in Redis (one small hash per *failing* account, gone on success and after a day) so every
worker sees it: once a refresh fails, inline refreshes from other jobs of the account hold off
until the retry the failure scheduled, instead of each hitting a token endpoint that is down.
Losing it (a flush) only resets the backoff.

The delay follows the one backoff formula of ``worker.decisions`` (exponential, full jitter),
with a cap tied to the refresh margin so that several retries fit between the first failure and
the token's expiry. A refresh whose outcome is unknown (sent, no answer) holds at least
``UNKNOWN_OUTCOME_HOLD_S``: HubSpot may have issued a token we never received, and a second
refresh right away would refresh the same token twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from worker.decisions import DecisionTable

#: Key prefix; the account id follows.
BACKOFF_PREFIX = "ha:refresh:backoff:"
#: First delay bound, and the shortest delay ever used (never hammer the token endpoint).
DEFAULT_BASE_S = 2.0
MIN_DELAY_S = 1.0
#: The longest delay between attempts, whatever the margin.
MAX_CAP_S = 60.0
#: After an unknown outcome, wait at least this long before refreshing again.
UNKNOWN_OUTCOME_HOLD_S = 10.0
#: Failure records of an account that stopped failing without a success (e.g. revoked) expire.
RECORD_TTL_S = 86_400


@dataclass(frozen=True)
class Failure:
    """One recorded failure: the streak so far, the delay chosen, and whether any failure of the
    streak (this one included) lost the answer of a refresh that may have been applied."""

    count: int
    delay_s: float
    answer_lost: bool


def cap_for_margin(margin_s: float) -> float:
    """A quarter of the margin (at least 2 s, at most ``MAX_CAP_S``): room for several tries."""
    return min(MAX_CAP_S, max(2.0, margin_s / 4))


class RefreshBackoff:
    def __init__(
        self, *, client: redis.Redis, margin_s: float, policy: DecisionTable | None = None
    ) -> None:
        self.client = client
        self.policy = policy or DecisionTable(
            backoff_base_s=DEFAULT_BASE_S, backoff_cap_s=cap_for_margin(margin_s)
        )

    def record(
        self, account_id: str, *, now: float, outcome_unknown: bool, retry_after: float | None
    ) -> Failure:
        """Count a failure, pick the delay before the next attempt and hold off until then."""
        key = BACKOFF_PREFIX + account_id
        count = int(self.client.hincrby(key, "count", 1))
        delay = max(MIN_DELAY_S, self.policy.backoff_delay(count - 1), retry_after or 0.0)
        if outcome_unknown:
            delay = max(delay, UNKNOWN_OUTCOME_HOLD_S)
            self.client.hset(key, "lost", 1)
        pipe = self.client.pipeline(transaction=False)
        pipe.hset(key, "until", repr(now + delay))
        pipe.hget(key, "lost")
        pipe.expire(key, RECORD_TTL_S)
        _, lost, _ = pipe.execute()
        return Failure(count=count, delay_s=delay, answer_lost=bool(lost))

    def hold_until(self, account_id: str) -> float | None:
        """When the next attempt may happen, if a failure asked to hold off."""
        value = self.client.hget(BACKOFF_PREFIX + account_id, "until")
        return None if value is None else float(value)

    def answer_lost(self, account_id: str) -> bool:
        """Whether a refresh of the current streak went out and never came back."""
        return bool(self.client.hget(BACKOFF_PREFIX + account_id, "lost"))

    def clear(self, account_id: str) -> None:
        self.client.delete(BACKOFF_PREFIX + account_id)
