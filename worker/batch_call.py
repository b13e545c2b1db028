"""One coalesced HubSpot call for claimed jobs, and what its answer or its failure means for each.

``worker.coalesce`` claims the jobs; here they are sent as one ``/batch/create|update`` call
(one slot of the portal's budget, one token read) and each job's ending is recorded on its own
(``JobOutcomes``, each write checking the job's own lease, each history entry with its
``batch_size``). What the call can end in:

- an answer (200, 201, 207): each job gets its item (``worker.batch_results``): its result, or its
  per-item error decided by the decision table as a single call's error would be; a job the
  answer says nothing about is treated as an unknown outcome;
- a first 401: one forced refresh and one resend, as for a single call;
- 409 on a contact batch create: HubSpot refuses the whole batch when one email exists, naming
  the first conflict's id only. The conflicting jobs are found (by the email in the message if
  it names one, else one batch read by email, which finds every existing email at once), each
  fails as a single create would (409 with the existing id; or, after an earlier unknown
  outcome, is recovered alone), and the rest are sent again;
- an unknown outcome (timeout, dropped connection) on a contact create: one batch read by email
  says which contacts exist; a contact created since the job started is the job's own
  (succeeded, recovered), an older one fails the job 409-style, a missing one retries;
- anything else: every job decided by the table with its own state (a company or deal create's
  unknown outcome fails ``outcome_unknown``, an update's retries, a 429 waits, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from dramatiq.middleware import TimeLimitExceeded

from core.errors import InvalidToolInput
from core.logging import get_logger
from hubspot_client import (
    HubSpotConflict,
    HubSpotError,
    HubSpotOutcomeUnknown,
    HubSpotResponse,
    HubSpotUnauthorized,
    batch_item_error,
)
from schemas.tools import HubSpotRequest, get_tool, parse_tool_input
from schemas.tools.base import PropertiesInput, ToolInput, UpdateInput
from schemas.tools.coalescing import coalesced_request
from schemas.tools.request import objects_path
from store.accounts import AccountRecord
from store.errors import StoreUnavailable
from store.jobs import JobRecord
from store.vault import TokenSet
from worker.batch_results import CREATED, BatchItem, map_answer
from worker.calls import JobCall
from worker.decisions import Decision, Fail, Wait, WaitKind
from worker.executor import JobExecutor, attempt_state
from worker.recovery import CONTACT_CREATE, created_during

log = get_logger(__name__)

#: Times a contact batch create is sent again after a 409 took its conflicting jobs out; what is
#: left after that runs job by job.
MAX_CONFLICT_ROUNDS = 3

NO_ANSWER_MESSAGE = (
    "HubSpot's batch answer said nothing about this input; it may or may not have been applied"
)


@dataclass(frozen=True)
class _Pending:
    """A claimed job and its parsed input."""

    job: JobRecord
    parsed: ToolInput

    @property
    def email(self) -> str | None:
        """A contact create's email, or the new email an update sets (lowercased)."""
        value = getattr(self.parsed, "email", None)
        return value.lower() if isinstance(value, str) and value else None

    def item(self) -> BatchItem:
        record = self.parsed.record.lower() if isinstance(self.parsed, UpdateInput) else None
        return BatchItem(self.job.id, record=record, email=self.email)


class BatchCall:
    def __init__(
        self,
        *,
        executor: JobExecutor,
        jobs: list[JobRecord],
        account: AccountRecord | None,
        tokens: TokenSet | None = None,
    ) -> None:
        self.ex = executor
        self.account = account
        #: Read with the claim: the first round's call uses them (``TokenProvider.get``).
        self.tokens = tokens
        self.jobs = jobs
        self.size = len(jobs)
        self.tool = get_tool(jobs[0].tool_name)
        self.refreshed = False

    def run(self) -> None:
        pending = self._parsed()
        for _ in range(MAX_CONFLICT_ROUNDS):
            if len(pending) < 2:
                break
            pending = self._round(pending)
        for left in pending:  # one job, or what kept conflicting: as single calls
            self.ex.run_claimed(left.job, self.account)

    def _parsed(self) -> list[_Pending]:
        """Each job's parsed input; one whose input no longer parses fails as a single job."""
        pending = []
        for job in self.jobs:
            try:
                pending.append(_Pending(job, parse_tool_input(job.tool_name, job.input)))
            except InvalidToolInput:
                self.ex.run_claimed(job, self.account)
        return pending

    def _round(self, pending: list[_Pending]) -> list[_Pending]:
        """One call for ``pending``; returns the jobs to send again (after a 409), if any."""
        request = coalesced_request(
            self.tool.name, [p.parsed for p in pending], [p.job.id for p in pending]
        )
        call = self.ex.calls.start(pending[0].job, self.account, request, tokens=self.tokens)
        self.tokens = None  # a later round (after a 409) reads them afresh: a 401 may refresh
        contacts_create = self.tool.name == CONTACT_CREATE
        try:
            response = self._send(call)
        except StoreUnavailable:
            raise
        except HubSpotConflict as exc:
            if not contacts_create:
                self._settle_all(pending, exc)
                return []
            return self._without_conflicts(pending, exc, call)
        except HubSpotOutcomeUnknown as exc:
            if contacts_create:
                self._check_by_email(pending, exc, call)
            else:
                self._settle_all(pending, exc)
            return []
        except (Exception, TimeLimitExceeded) as exc:
            self._settle_all(pending, exc)
            return []
        self._record_answer(pending, response)
        return []

    def _send(self, call: JobCall) -> HubSpotResponse:
        try:
            return call.send()
        except HubSpotUnauthorized as exc:
            if self.refreshed:
                raise
            self.refreshed = True
            return call.send_refreshed(exc)

    # -- an answer --------------------------------------------------------------------------

    def _record_answer(self, pending: list[_Pending], response: HubSpotResponse) -> None:
        creates = self.tool.kind == "create"
        answers = map_answer([p.item() for p in pending], response, creates=creates)
        succeeded: list[tuple[JobRecord, HubSpotResponse]] = []
        for p, answer in zip(pending, answers, strict=True):
            if answer is None:
                self._settle(p, HubSpotOutcomeUnknown(NO_ANSWER_MESSAGE))
            elif answer.error is not None:
                self._settle(p, answer.error)
            elif answer.response is not None:
                succeeded.append((p.job, answer.response))
        if succeeded:  # one transaction for the batch's successes
            self.ex.outcomes.succeed_many(succeeded, batch_size=self.size)

    # -- contact creates: the whole-batch 409 and the lost answer -----------------------------

    def _without_conflicts(
        self, pending: list[_Pending], conflict: HubSpotConflict, call: JobCall
    ) -> list[_Pending]:
        """Fail (or recover) the jobs whose email exists; the others, to send again."""
        existing = self._conflicting(pending, conflict, call)
        if not existing:  # nothing tells whose email it was: each job finds out on its own
            log.warning("batch.conflict_unplaced", batch_size=len(pending))
            for p in pending:
                self.ex.run_claimed(p.job, self.account)
            return []
        log.info("batch.conflict_split", conflicts=len(existing), batch_size=len(pending))
        rest = []
        for p in pending:
            if p.email in existing:
                self._settle(p, _conflict(existing[p.email], conflict.correlation_id))
            else:
                rest.append(p)
        return rest

    def _conflicting(
        self, pending: list[_Pending], conflict: HubSpotConflict, call: JobCall
    ) -> dict[str, str]:
        """Email -> existing contact id, for the jobs of ``pending`` whose email exists."""
        text = (conflict.hubspot_message or "").lower()
        named = [p.email for p in pending if p.email and p.email in text]
        if len(named) == 1 and conflict.existing_id:
            return {named[0]: conflict.existing_id}
        try:
            found = self._read_by_email(pending, call)
        except (HubSpotError, TimeLimitExceeded):
            return {}
        return {email: str(record.get("id")) for email, record in found.items()}

    def _check_by_email(
        self, pending: list[_Pending], lost: HubSpotOutcomeUnknown, call: JobCall
    ) -> None:
        """After a lost answer: which contacts exist now, and whose are they?"""
        try:
            found = self._read_by_email(pending, call)
        except (HubSpotError, TimeLimitExceeded):
            self._settle_all(pending, lost)
            return
        for p in pending:
            record = found.get(p.email or "")
            if record is None:
                self._settle(p, lost)
            elif created_during(p.job, record):
                log.info("job.batch_create_recovered", contact_id=record.get("id"))
                response = HubSpotResponse(
                    status_code=CREATED,
                    body=record,
                    correlation_id=None,
                    rate_limit=None,
                    elapsed_ms=0.0,
                )
                self.ex.outcomes.succeed(p.job, response, recovered=True, batch_size=self.size)
            else:
                self._settle(p, _conflict(str(record.get("id")), lost.correlation_id))

    def _read_by_email(self, pending: list[_Pending], call: JobCall) -> dict[str, dict[str, Any]]:
        """One ``/batch/read`` by email of the jobs' emails: email -> contact, found ones only."""
        emails = sorted({p.email for p in pending if p.email})
        names = {"email"}
        for p in pending:
            if isinstance(p.parsed, PropertiesInput):
                names.update(p.parsed.hubspot_properties())
        request = HubSpotRequest(
            method="POST",
            path=objects_path("contacts", "batch", "read"),
            json={
                "idProperty": "email",
                "properties": sorted(names),
                "inputs": [{"id": email} for email in emails],
            },
        )
        body = call.follow_up(request).body
        results = body.get("results") if isinstance(body, dict) else None
        found: dict[str, dict[str, Any]] = {}
        for record in results if isinstance(results, list) else []:
            email = _email_of(record)
            if email is not None:
                found[email] = record
        return found

    # -- deciding per job -------------------------------------------------------------------

    def _settle_all(self, pending: list[_Pending], exc: BaseException) -> None:
        """The whole call's failure, decided for each job with its own attempts and history;
        the jobs that wait for the same reason wait until the same moment.

        Each job's own decision (and, for a backoff, its own jittered delay) would give a
        throttled or retried batch a hundred due times, which the scheduler re-queues over
        several ticks: the batch came back as several calls, each a slot of the portal's
        budget (a 10,000-record run needed 103 calls, bench/README.md).
        """
        now = self.ex.clock.now()
        shared: dict[WaitKind, Wait] = {}
        for p in pending:
            decision = self._decision(p, exc, now)
            if isinstance(decision, Wait):
                decision = shared.setdefault(decision.kind, decision)
            self._apply(p, decision, exc, now)

    def _settle(self, p: _Pending, exc: BaseException) -> None:
        """``exc`` decided for this job alone, with its own attempts and history."""
        now = self.ex.clock.now()
        self._apply(p, self._decision(p, exc, now), exc, now)

    def _decision(self, p: _Pending, exc: BaseException, now: datetime) -> Decision:
        state = attempt_state(p.job)
        if self.refreshed:
            state = replace(state, refreshed=True)
        return self.ex.table.decide(exc, state, now)

    def _apply(self, p: _Pending, decision: Decision, exc: BaseException, now: datetime) -> None:
        if isinstance(decision, Fail):
            self.ex.outcomes.fail(p.job, decision, exc, batch_size=self.size)
        elif isinstance(decision, Wait):
            self.ex.outcomes.wait(p.job, decision, exc, batch_size=self.size, decided_at=now)
        else:  # a duplicate that may be the job's own: the single path reads it back
            self.ex.run_claimed(p.job, self.account)


def _conflict(existing_id: str, correlation_id: str | None) -> HubSpotConflict:
    """The 409 a single create of this email gets (same class, message and existing id)."""
    error = batch_item_error(
        {"category": "CONFLICT", "message": f"Contact already exists. Existing ID: {existing_id}"},
        correlation_id=correlation_id,
    )
    assert isinstance(error, HubSpotConflict)
    return error


def _email_of(record: Any) -> str | None:
    properties = record.get("properties") if isinstance(record, dict) else None
    email = properties.get("email") if isinstance(properties, dict) else None
    return email.lower() if isinstance(email, str) and email else None
