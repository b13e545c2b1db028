"""``Actions`` inside the web process: the in-process services, waits that suspend.

``InProcessBackend.aget_job`` waits on a thread: fine for a script, but in the web process each
running MCP tool call would hold one of the event loop's few default-executor threads for up to
30 s. Here the wait for a job suspends on the web's ``JobWaiter.await_for`` (the same waiter as
``GET /v1/jobs/{id}?wait=``); the short operations (submit, read, mint a link) still run on a
thread, through the in-process backend and its one error translation.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.concurrency import run_in_threadpool

from core.errors import HubSpotActionsError
from producer.backends import MAX_WAIT_S, Body, InProcessBackend


class WebBackend(InProcessBackend):
    async def aget_job(self, job_id: str, wait: float) -> Body:
        if wait > 0:
            jobs = self.services.jobs
            # A missing job is reported by the read below, translated like every other call.
            with contextlib.suppress(HubSpotActionsError):
                await self.waiter.await_for(
                    job_id,
                    seconds=min(wait, MAX_WAIT_S),
                    read=lambda: run_in_threadpool(jobs.get, job_id),
                    done=lambda job: job.status.is_terminal,
                )
        return await asyncio.to_thread(self.get_job, job_id, 0.0)

    def close(self) -> None:
        """The services and the waiter belong to the web app, which closes them."""
