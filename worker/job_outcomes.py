"""Writing how an attempt ended into the job row: succeeded, failed, or waiting to run again.

What the ending *is* was decided by the decision table (``worker.decisions``); this module only
records it: the history entry, the lease-guarded transition, the job schedule for a wait, and the
ending reported to the middleware (``worker.middleware.ending``), which announces and logs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import redis

from broker.schedule import Schedule
from core.clock import Clock
from core.logging import get_logger
from hubspot_client.errors import HubSpotError, HubSpotRequestError
from hubspot_client.responses import HubSpotResponse
from schemas.jobs import HistoryOutcome, JobStatus
from store.jobs import Finish, JobRecord, JobStore
from worker.decisions import Fail, Wait, WaitKind
from worker.middleware.ending import JobEnd, report_end

log = get_logger(__name__)

#: HubSpot answers that say the cached portal schema is out of date (DESIGN section 13).
SCHEMA_STALE_CODES = frozenset({"INVALID_OPTION", "PROPERTY_DOESNT_EXIST"})

#: The history ``category`` of a contact create whose 409 named the job's own contact.
RECOVERED_DUPLICATE = "RECOVERED_DUPLICATE"


@dataclass(eq=False, kw_only=True)
class JobOutcomes:
    jobs: JobStore
    job_schedule: Schedule
    mint_reauth_link: Callable[[str], str | None]
    clock: Clock
    on_schema_stale: Callable[[str], None] | None = None
    #: Hears of the jobs with a ``record_key`` that finished (all those of a coalesced batch at
    #: once): the next job of each record may start now (``store.jobs.order``).
    on_records_free: Callable[[list[JobRecord]], None] | None = None

    def succeed(
        self,
        job: JobRecord,
        response: HubSpotResponse,
        *,
        recovered: bool,
        batch_size: int | None = None,
    ) -> None:
        """``batch_size``: the job's result was its item of a coalesced call of that many."""
        self.succeed_many([(job, response)], recovered=recovered, batch_size=batch_size)

    def succeed_many(
        self,
        answers: list[tuple[JobRecord, HubSpotResponse]],
        *,
        recovered: bool = False,
        batch_size: int | None = None,
    ) -> None:
        """The successes of one coalesced call, recorded in one transaction."""
        finishes = []
        for job, response in answers:
            entry = self._entry(
                HistoryOutcome.SUCCEEDED, http_status=response.status_code, batch_size=batch_size
            )
            if recovered:
                entry["category"] = RECOVERED_DUPLICATE
            finishes.append(
                Finish(
                    job,
                    JobStatus.SUCCEEDED,
                    history=[*job.history, entry],
                    attempts=job.attempts + 1,
                    result=response.body,
                )
            )
        landed = self.jobs.finish_many(finishes)
        for f, did_land in zip(finishes, landed, strict=True):
            report_end(JobEnd(f.job.id, JobStatus.SUCCEEDED, f.attempts, did_land, **_about(f.job)))
        self._free_records(
            [f.job for f, did_land in zip(finishes, landed, strict=True) if did_land]
        )

    def fail(
        self,
        job: JobRecord,
        decision: Fail,
        exc: BaseException,
        *,
        batch_size: int | None = None,
    ) -> None:
        if decision.internal:
            log.error("job.internal_error", exc_info=exc)
        if (
            self.on_schema_stale is not None
            and isinstance(exc, HubSpotRequestError)
            and exc.error_code in SCHEMA_STALE_CODES
        ):
            # The portal has properties or options the cached schema lacks (or lost some):
            # refetch now, so the next submission is checked against what HubSpot has.
            self.on_schema_stale(job.account_id)
        error = dict(decision.error)
        if decision.needs_reauth_link:
            error["reauth_link"] = self._reauth_link(job.account_id)
        code = str(error["code"])
        entry = self._entry(code, batch_size=batch_size, **_http_info(exc))
        landed = self.jobs.finish(
            job,
            status=JobStatus.FAILED,
            error=error,
            history=[*job.history, entry],
            attempts=job.attempts + 1,
        )
        report_end(
            JobEnd(job.id, JobStatus.FAILED, job.attempts + 1, landed, code=code, **_about(job))
        )
        self._free_records([job] if landed else [])

    def wait(
        self,
        job: JobRecord,
        decision: Wait,
        exc: BaseException,
        *,
        batch_size: int | None = None,
        decided_at: datetime | None = None,
    ) -> None:
        """``decided_at``: when the wait was decided (a batch's jobs share it, and so their
        due time); now if not given."""
        due = (decided_at or self.clock.now()) + timedelta(seconds=decision.delay_s)
        delay_s = round(decision.delay_s, 3)
        entry = self._entry(
            decision.kind.outcome, delay_s=delay_s, batch_size=batch_size, **_http_info(exc)
        )
        attempts = job.attempts + (1 if decision.uses_attempt else 0)
        landed = self.jobs.defer(
            job,
            due_at=due,
            history=[*job.history, entry],
            attempts=attempts,
            rate_waits=job.rate_waits + (1 if decision.is_rate_wait else 0),
        )
        report_end(
            JobEnd(
                job.id,
                JobStatus.RETRYING,
                attempts,
                landed,
                wait_kind=decision.kind.value,
                **_about(job),
            )
        )
        if not landed:
            log.warning("job.lease_lost", job_id=job.id)
            return
        if decision.kind is WaitKind.THROTTLED:
            log.debug("job.throttled", delay_s=delay_s)
        else:
            log.info("job.waiting", outcome=decision.kind.value, delay_s=delay_s)
        try:
            self.job_schedule.add(job.id, due.timestamp())
        except redis.RedisError as err:  # the sweep re-adds it from SQL
            log.warning("job.schedule_failed", error=type(err).__name__)

    def _free_records(self, landed: list[JobRecord]) -> None:
        freed = [job for job in landed if job.record_key is not None]
        if freed and self.on_records_free is not None:
            self.on_records_free(freed)

    def _reauth_link(self, account_id: str) -> str | None:
        try:
            return self.mint_reauth_link(account_id)
        except Exception as exc:
            log.warning("job.reauth_link_failed", error=type(exc).__name__)
            return None

    def _entry(self, outcome: str, **fields: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {"at": self.clock.now().isoformat(), "outcome": str(outcome)}
        entry.update({k: v for k, v in fields.items() if v is not None})
        return entry


def _about(job: JobRecord) -> dict[str, Any]:
    """What the metrics middleware needs of the job (``JobEnd``'s tool and due time)."""
    return {"tool": job.tool_name, "due_at": max(job.created_at, job.run_at or job.created_at)}


def _http_info(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, HubSpotError):
        return {"http_status": exc.status_code, "category": exc.category}
    return {}
