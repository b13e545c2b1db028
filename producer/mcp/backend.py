"""``Actions`` inside the web process: the in-process services, waits on the web's async waiter.

``InProcessBackend.acall`` runs every operation on a thread, a long-poll included: fine for a
script, but in the web process each running MCP tool call would hold one of the event loop's few
default-executor threads for up to 30 s. Here the wait for a job suspends on the web's
``JobWaiter`` (the same loop as ``GET /v1/jobs/{id}?wait=``); the short operations (submit, read,
mint a link) still run on a thread, through ``call`` and its one error translation.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from core.errors import HubSpotActionsError
from producer.api.waiter import JobWaiter, wait_for_job
from producer.backends import InProcessBackend

if TYPE_CHECKING:
    from producer.services import Services
    from producer.waiting import ThreadedJobWaiter


class WebBackend(InProcessBackend):
    def __init__(
        self, services: Services, waiter: JobWaiter, thread_waiter: ThreadedJobWaiter
    ) -> None:
        super().__init__(services, thread_waiter)
        self.async_waiter = waiter

    async def acall(self, operation: str, *args: Any) -> Any:
        if operation != "get_job":
            return await run_in_threadpool(self.call, operation, *args)
        job_id, wait = args
        if wait > 0:
            # A missing job is reported by the read below, translated like every other call.
            with contextlib.suppress(HubSpotActionsError):
                await wait_for_job(self.async_waiter, self.services.jobs.get, job_id, min(wait, 30))
        return await run_in_threadpool(self.call, "get_job", job_id, 0.0)

    def close(self) -> None:
        """The services belong to the web app (it closes them); only the thread waiter is ours."""
        self.waiter.close()
