"""Submitting and reading jobs (DESIGN.md section 6).

A submission is validated completely before anything is stored: the tool and its input, the
size limit, the account and its state, the scopes the tool needs. Then the row is written, and
only then the message sent, so 202 means durably accepted: if Redis is down the job stays
``queued`` and the scheduler's sweep enqueues it later.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import redis
from pydantic import ValidationError

from broker.dispatch import job_ref
from broker.job_stats import count_job_outcome
from broker.notify import publish_job_done
from core.errors import (
    AccountNotFound,
    HubSpotActionsError,
    InvalidRequest,
    InvalidToolInput,
    JobNotFound,
    MissingScopes,
)
from core.logging import get_logger
from producer.portal import PortalSchemas
from schemas.accounts import unavailable_error
from schemas.jobs import MAX_RUN_AT_AHEAD, MAX_TOOL_INPUT_BYTES, JobStatus, SubmitJob
from schemas.json_guard import find_problem
from schemas.portal import PortalSchema
from schemas.portal_checks import check_portal_input
from schemas.tools import canonical_input, get_tool, parse_tool_input, tool_catalog
from store.accounts import AccountRecord
from store.jobs import JobRecord, NewJob

if TYPE_CHECKING:
    from producer.accounts import AccountService
    from producer.context import ProducerContext

log = get_logger(__name__)

#: Most jobs in one batch submission.
MAX_BATCH = 100


@dataclass(frozen=True)
class Submitted:
    job: JobRecord
    created: bool


@dataclass
class BatchMemo:
    """What the items of one batch submission share: each account's row and portal schema.

    Read once per batch, not once per item: the per-item portal ``fetched_at`` read was a
    quarter of the web process's samples under a bulk submission (bench/README.md).
    """

    accounts: dict[tuple[str, str], AccountRecord] = field(default_factory=dict)
    schemas: dict[str, PortalSchema | None] = field(default_factory=dict)


class JobService:
    def __init__(self, ctx: ProducerContext, accounts: AccountService) -> None:
        self.ctx = ctx
        self.accounts = accounts
        self.portal = PortalSchemas(ctx)

    def tool_catalog(self, connection_name: str, identifier: str) -> list[dict[str, Any]]:
        """``GET /v1/tools?identifier=``: the catalog with the account's portal options.

        An identifier with no account yet gets the plain catalog: agents are often built before
        their user connects.
        """
        try:
            account = self._account_for(connection_name, identifier)
        except AccountNotFound:
            return tool_catalog()
        return self.portal.tool_catalog(account)

    # -- submit ---------------------------------------------------------------------------

    def submit(self, request: SubmitJob) -> Submitted:
        new = self.prepare(request)
        job, created = self.ctx.jobs.create(new)
        if created:
            self._dispatch([job])
        return Submitted(job, created)

    def submit_batch(self, raw_jobs: list[Any]) -> list[Submitted | HubSpotActionsError]:
        """Validate each item on its own; store the valid ones in one transaction."""
        prepared: list[NewJob | HubSpotActionsError] = []
        memo = BatchMemo()
        for raw in raw_jobs:
            try:
                prepared.append(self.prepare(parse_submit(raw), memo))
            except HubSpotActionsError as exc:
                prepared.append(exc)
        news = [p for p in prepared if isinstance(p, NewJob)]
        stored = iter(self.ctx.jobs.create_many(news) if news else [])
        out: list[Submitted | HubSpotActionsError] = []
        for item in prepared:
            if isinstance(item, HubSpotActionsError):
                out.append(item)
                continue
            result = next(stored)
            out.append(result if isinstance(result, HubSpotActionsError) else Submitted(*result))
        self._dispatch([s.job for s in out if isinstance(s, Submitted) and s.created])
        return out

    def prepare(self, request: SubmitJob, memo: BatchMemo | None = None) -> NewJob:
        """Everything that can refuse a job, before anything is stored.

        ``memo`` shares account and portal schema lookups across the items of one batch. With a
        fresh cached portal schema the input is also checked and normalised against it
        (``schemas.portal_checks``: 422 ``invalid_property_value`` / ``unknown_property``);
        without one HubSpot decides.
        """
        tool = get_tool(request.tool_name)
        if len(json.dumps(request.tool_input)) > MAX_TOOL_INPUT_BYTES:
            raise InvalidToolInput(
                f"tool_input is larger than {MAX_TOOL_INPUT_BYTES} bytes serialised"
            )
        model = parse_tool_input(tool.name, request.tool_input)
        self._check_run_at(request)
        memo = memo or BatchMemo()
        key = (request.connection_name, request.identifier)
        account = memo.accounts.get(key)
        if account is None:
            account = memo.accounts[key] = self._account(request)
        self._check_runnable(account, tool.required_scopes)
        if tool.kind != "read":
            if account.id not in memo.schemas:
                memo.schemas[account.id] = self.portal.for_checks(account)
            schema = memo.schemas[account.id]
            if schema is not None:
                model = check_portal_input(schema, tool, model)
        return NewJob(
            account_id=account.id,
            connection_name=account.connection_name,
            identifier=account.identifier,
            tool_name=tool.name,
            input=canonical_input(model),
            lane=request.lane,
            idempotency_key=request.idempotency_key,
            run_at=request.run_at,
            metadata=request.metadata,
        )

    def _check_run_at(self, request: SubmitJob) -> None:
        latest = self.ctx.clock.now() + MAX_RUN_AT_AHEAD
        if request.run_at is not None and request.run_at > latest:
            raise InvalidRequest(
                f"run_at: at most {MAX_RUN_AT_AHEAD.days} days ahead "
                f"(latest now: {latest.isoformat()})"
            )

    def _account(self, request: SubmitJob) -> AccountRecord:
        return self._account_for(request.connection_name, request.identifier)

    def _account_for(self, connection_name: str, identifier: str) -> AccountRecord:
        key = self.accounts.key(connection_name, identifier)
        account = self.ctx.accounts.get(
            connection_name=key.connection_name, identifier=key.identifier
        )
        if account is None:
            raise AccountNotFound(
                f"no {key.connection_name} account for identifier {key.identifier!r}; "
                "create it and have the user authorize it first"
            )
        return account

    def _check_runnable(self, account: AccountRecord, scopes: tuple[str, ...]) -> None:
        if not account.status.can_run_jobs:
            error = unavailable_error(account.status, account.identifier)
            error.details["reauth_link"] = self.accounts.link_for(account.id).link
            raise error
        missing = [s for s in scopes if s not in account.granted_scopes]
        if missing:
            raise MissingScopes(
                f"this tool needs {', '.join(missing)}, which the account's grant lacks; "
                "the user must authorize the app again",
                missing_scopes=missing,
                reauth_link=self.accounts.link_for(account.id).link,
            )

    def _dispatch(self, jobs: list[JobRecord]) -> None:
        ready = [job_ref(j) for j in jobs if j.status == JobStatus.QUEUED]
        later = {j.id: j.due_at.timestamp() for j in jobs if j.due_at is not None}
        try:
            if ready:
                self.ctx.dispatcher.enqueue_jobs(ready)
            if later:
                self.ctx.job_schedule.add_many(later)
        except redis.RedisError as exc:
            # The row is stored: the scheduler's sweep will enqueue it once Redis is back.
            log.warning("job.enqueue_deferred_to_sweep", jobs=len(jobs), error=type(exc).__name__)

    # -- read -----------------------------------------------------------------------------

    def get(self, job_id: str) -> JobRecord:
        job = self.ctx.jobs.get(job_id)
        if job is None:
            raise JobNotFound(f"no job {job_id}")
        return job

    def cancel(self, job_id: str) -> JobRecord:
        job = self.ctx.jobs.cancel(job_id)
        count_cancelled(self.ctx.redis, job)
        # A stale schedule entry would find the job cancelled and do nothing; tidy up anyway.
        with contextlib.suppress(redis.RedisError):
            self.ctx.job_schedule.remove(job_id)
        publish_job_done(self.ctx.redis, [job_id])
        self.ctx.events.job_finished(job_id)  # webhooks: job.cancelled (never raises)
        return job


def count_cancelled(client: redis.Redis, job: JobRecord) -> None:
    """The metrics of a cancelled job (workers count the other outcomes)."""
    finished = job.finished_at or job.updated_at
    due = max(job.created_at, job.run_at or job.created_at)
    count_job_outcome(
        client,
        tool=job.tool_name,
        outcome=JobStatus.CANCELLED.value,
        code=None,
        duration_s=(finished - due).total_seconds(),
        now=finished.timestamp(),
    )


def parse_submit(raw: Any) -> SubmitJob:
    """A ``SubmitJob`` from JSON, with an error that names the bad fields.

    NUL characters and over-deep nesting are refused first, wherever they are: a problem inside
    ``tool_input`` is ``invalid_tool_input``, anywhere else ``invalid_request``.
    """
    refuse_unsafe_json(raw)
    try:
        return SubmitJob.model_validate(raw)
    except ValidationError as exc:
        # Bad metadata is a bad request, not a bad tool input (DESIGN.md s6).
        only_metadata = all(err["loc"][:1] == ("metadata",) for err in exc.errors())
        error = InvalidRequest if only_metadata else InvalidToolInput
        raise error(describe(exc), errors=field_errors(exc)) from None


def refuse_unsafe_json(raw: Any) -> None:
    """Raise the 422 for a NUL character or nesting deeper than 64 levels in ``raw``."""
    problem = find_problem(raw)
    if problem is None:
        return
    error = InvalidToolInput if problem.path[:1] == ("tool_input",) else InvalidRequest
    raise error(problem.message, errors=[{"field": problem.field, "problem": problem.reason}])


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(p) for p in err["loc"]) or "body",
            "problem": str(err["msg"]).removeprefix("Value error, "),
        }
        for err in exc.errors(include_url=False, include_input=False)
    ]


def describe(exc: ValidationError) -> str:
    return "; ".join(f"{e['field']}: {e['problem']}" for e in field_errors(exc))
