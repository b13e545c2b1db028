"""The worker's own errors, under the project root (``core.errors.HubSpotActionsError``).

    HubSpotActionsError (core.errors)   code                   retry  data
    +-- PortalBudgetExhausted           rate_limited_locally   yes    delay_s hub_id
    +-- ResultTooLarge                  result_too_large       no     limit_bytes
    +-- WorkerLost                      worker_lost            no     lease_lapses

``PortalBudgetExhausted`` is never a job's error: the decision table turns it into a wait. The
other two end a job; their codes are part of the job's ``error`` contract (DESIGN.md s6). The
refresher's ``RefreshDeferred`` lives with the refresher (``worker.refresh.errors``), inside the
HubSpot tree, because it must mean exactly what a 503 of the token endpoint means.
"""

from __future__ import annotations

from core.errors import HubSpotActionsError


class PortalBudgetExhausted(HubSpotActionsError):
    """Our own per-portal budget has no room now; a slot is booked ``delay_s`` from now.

    Not a failure: the decision table turns it into a wait that uses no attempt and does not
    count as one of HubSpot's rate-limit waits.
    """

    code = "rate_limited_locally"
    retryable = True

    def __init__(self, message: str, *, delay_s: float, hub_id: int) -> None:
        super().__init__(message, delay_s=delay_s, hub_id=hub_id)
        self.delay_s = delay_s
        self.hub_id = hub_id


class ResultTooLarge(HubSpotActionsError):
    """HubSpot answered, but the answer is over the stored-result limit (DESIGN.md s6).

    Retrying would get the same answer: the caller must ask for less.
    """

    code = "result_too_large"
    http_status = 502


class WorkerLost(HubSpotActionsError):
    """The job's worker died mid-attempt ``JOB_MAX_LEASE_LAPSES`` times (killed, OOM, crash):
    re-running it again would most likely kill another worker. Not retryable as is."""

    code = "worker_lost"
    http_status = 500
