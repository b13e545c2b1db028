"""The per-account refresh lock: at most one process talks to HubSpot's token endpoint for an
account at a time.

The lock only saves HubSpot calls; correctness comes from the vault's compare-and-swap on the token
version (a holder whose lock expired mid-call still cannot overwrite a newer token). Its lifetime
therefore only has to outlast one token call (connect plus read timeout), after which a crashed
holder's lock lapses by itself. Release deletes the key only if it still holds the holder's own
random value, so a slow holder never releases a lock someone else took after it lapsed.
"""

from __future__ import annotations

import contextlib
import secrets
import time

import redis

#: Key prefix; the account id follows (an id, not a secret).
LOCK_PREFIX = "ha:lock:refresh:"
#: How long a lock lives without release: longer than one token call (5 s connect + 30 s read).
DEFAULT_LOCK_TTL_S = 60.0
#: How often a waiter looks again while another process holds the lock.
DEFAULT_POLL_S = 0.05

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class RefreshLock:
    def __init__(
        self,
        *,
        client: redis.Redis,
        ttl_s: float = DEFAULT_LOCK_TTL_S,
        poll_s: float = DEFAULT_POLL_S,
    ) -> None:
        self.client = client
        self.ttl_ms = int(ttl_s * 1000)
        self.poll_s = poll_s
        self._release = client.register_script(_RELEASE)

    def acquire(self, account_id: str) -> str | None:
        """Take the lock without waiting; the holder's token, or None when someone holds it."""
        token = secrets.token_hex(8)
        taken = self.client.set(LOCK_PREFIX + account_id, token, nx=True, px=self.ttl_ms)
        return token if taken else None

    def release(self, account_id: str, token: str) -> None:
        """Release the lock if this holder still has it (best effort: it lapses anyway)."""
        with contextlib.suppress(redis.RedisError):
            self._release(keys=[LOCK_PREFIX + account_id], args=[token])

    def held(self, account_id: str) -> bool:
        return bool(self.client.exists(LOCK_PREFIX + account_id))

    def wait_released(self, account_id: str, *, deadline: float) -> None:
        """Sleep until the lock is free or the monotonic ``deadline`` passes."""
        while time.monotonic() < deadline and self.held(account_id):
            time.sleep(min(self.poll_s, max(0.0, deadline - time.monotonic())))
