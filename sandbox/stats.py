"""Counters the tests read through ``GET /_sandbox/stats`` to judge the pipeline's behaviour.

The DESIGN.md section 10 keys are kept exactly; the extra ones answer the performance targets of
section 11 ("refreshes per issued token: at most 1; calls made with an expired token: 0").
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any


class Stats:
    """Plain counters; the sandbox runs on one event loop, so no locking is needed."""

    def __init__(self) -> None:
        self.requests: defaultdict[str, defaultdict[str, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        self.expired_token_401 = 0
        self.invalid_token_401 = 0
        self.rate_limited_429 = 0
        self.token_grants: defaultdict[int, int] = defaultdict(int)
        self.refreshes: defaultdict[int, int] = defaultdict(int)
        self.crm_requests: defaultdict[int, int] = defaultdict(int)
        #: The part of ``crm_requests`` on records (``/crm/v3/objects/...``), without the schema
        #: reads (properties, pipelines) a client makes on its own, e.g. when a portal connects.
        self.crm_object_requests: defaultdict[int, int] = defaultdict(int)
        self.double_refreshes = 0
        self.refreshes_per_access_token_max = 0
        self.faults_applied = 0
        self.connections_dropped = 0

    def record(self, key: str, status: int | str) -> None:
        """Count one answered (or dropped: ``"dropped"``) request under its route key."""
        self.requests[key][str(status)] += 1
        if status == 429:
            self.rate_limited_429 += 1

    def charge_refresh(self, count: int) -> None:
        """Note that an access token has now been refreshed ``count`` times."""
        if count > 1:
            self.double_refreshes += 1
        self.refreshes_per_access_token_max = max(self.refreshes_per_access_token_max, count)

    def snapshot(self) -> dict[str, Any]:
        """The JSON body of ``GET /_sandbox/stats`` (hub ids become string keys in JSON)."""
        return {
            "requests": {key: dict(counts) for key, counts in self.requests.items()},
            "expired_token_401": self.expired_token_401,
            "invalid_token_401": self.invalid_token_401,
            "token_grants": _keyed(self.token_grants),
            "refreshes": _keyed(self.refreshes),
            "rate_limited_429": self.rate_limited_429,
            "crm_requests": _keyed(self.crm_requests),
            "crm_object_requests": _keyed(self.crm_object_requests),
            "double_refreshes": self.double_refreshes,
            "refreshes_per_access_token_max": self.refreshes_per_access_token_max,
            "faults_applied": self.faults_applied,
            "connections_dropped": self.connections_dropped,
        }


def _keyed(counts: dict[int, int]) -> dict[str, int]:
    return {str(hub_id): n for hub_id, n in counts.items()}
