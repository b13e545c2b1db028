"""Which item of a batch answer is whose: HubSpot's ``/batch/create|update`` answer, per job.

A coalesced call (``worker.coalesce``) sends one input per job, each traced by the job's id
(``objectWriteTraceId``). HubSpot does not promise the order of ``results``, so each result is
matched by what identifies it, most certain first:

1. its ``objectWriteTraceId``, when HubSpot echoes it (the spec allows it on results);
2. for an update, the record: the ``id`` sent, or for a contact named by email, its email
   (before or after the update, since the update may change it);
3. for a contact create, the email (unique per contact);
4. what is left, by input order, but only when the counts agree and no error is unplaced:
   company and deal creates carry nothing else to match on (the sandbox, like HubSpot in every
   capture we have, answers in input order).

Errors of a 207 are placed by their ``context``: ``objectWriteTraceId`` names the input, ``ids``
(the one OBJECT_NOT_FOUND error of an update) the records. Each becomes the typed error a single
call of that input would raise (``hubspot_client.batch_item_error``). A job nothing matches gets
no answer (``None``): its outcome is unknown, and the caller treats it so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hubspot_client import HubSpotError, HubSpotResponse, batch_item_error

#: The status a single call answers with, which a job's history records for its item.
CREATED = 201
UPDATED = 200

TRACE = "objectWriteTraceId"


@dataclass(frozen=True)
class BatchItem:
    """One job's input of a batch, as far as matching its answer needs."""

    job_id: str
    #: Update: the id or email the input names (lowercased); create: None.
    record: str | None = None
    #: Contact create: its email; update: a new email it sets (lowercased).
    email: str | None = None


@dataclass(frozen=True)
class ItemAnswer:
    """A job's share of the answer: its result (shaped like a single call's) or its error."""

    response: HubSpotResponse | None = None
    error: HubSpotError | None = None


def map_answer(
    items: Sequence[BatchItem], response: HubSpotResponse, *, creates: bool
) -> list[ItemAnswer | None]:
    """Each item's answer, in ``items``' order; ``None`` for an item nothing in it matched."""
    body = response.body if isinstance(response.body, Mapping) else {}
    matcher = _Matcher(items, response, creates=creates)
    unplaced = [e for e in _dicts(body.get("errors")) if not matcher.place_error(e)]
    leftovers = [r for r in _dicts(body.get("results")) if not matcher.place_result(r)]
    matcher.place_in_order(leftovers, unplaced)
    return [matcher.answers.get(item.job_id) for item in items]


class _Matcher:
    def __init__(
        self, items: Sequence[BatchItem], response: HubSpotResponse, *, creates: bool
    ) -> None:
        self.items = items
        self.response = response
        self.creates = creates
        self.answers: dict[str, ItemAnswer] = {}
        self.by_id = {item.job_id: item for item in items}
        self.by_record = {item.record: item for item in items if item.record is not None}
        self.by_email = {item.email: item for item in items if item.email is not None}

    def place_error(self, error: Mapping[str, Any]) -> bool:
        context = error.get("context")
        context = context if isinstance(context, Mapping) else {}
        owners = [self.by_id.get(str(t)) for t in _strings(context.get(TRACE))]
        owners += [self.by_record.get(i.lower()) for i in _strings(context.get("ids"))]
        found = [o for o in owners if o is not None and o.job_id not in self.answers]
        typed = batch_item_error(error, correlation_id=self.response.correlation_id)
        for owner in found:
            self.answers[owner.job_id] = ItemAnswer(error=typed)
        return bool(found)

    def place_result(self, result: dict[str, Any]) -> bool:
        owner = self._owner_of(result)
        if owner is None or owner.job_id in self.answers:
            return False
        self.answers[owner.job_id] = ItemAnswer(response=self._single(result))
        return True

    def place_in_order(self, results: list[dict[str, Any]], errors: list[dict[str, Any]]) -> None:
        """The last resort: left-over results to left-over jobs in input order, only when
        nothing else is ambiguous (as many results as jobs, no error without an owner)."""
        waiting = [item for item in self.items if item.job_id not in self.answers]
        if not results or errors or len(results) != len(waiting):
            return
        for item, result in zip(waiting, results, strict=True):
            self.answers[item.job_id] = ItemAnswer(response=self._single(result))

    def _owner_of(self, result: Mapping[str, Any]) -> BatchItem | None:
        traced = self.by_id.get(str(result.get(TRACE)))
        if traced is not None:
            return traced
        if not self.creates:
            by_id = self.by_record.get(str(result.get("id")))
            if by_id is not None:
                return by_id
        email = _email_of(result)
        if email is None:
            return None
        if self.creates:
            return self.by_email.get(email)
        return self.by_record.get(email) or self.by_email.get(email)

    def _single(self, result: Mapping[str, Any]) -> HubSpotResponse:
        """The item as a single call's answer: its own object, without our trace id."""
        body = {k: v for k, v in result.items() if k != TRACE}
        return HubSpotResponse(
            status_code=CREATED if self.creates else UPDATED,
            body=body,
            correlation_id=self.response.correlation_id,
            rate_limit=self.response.rate_limit,
            elapsed_ms=self.response.elapsed_ms,
        )


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _email_of(result: Mapping[str, Any]) -> str | None:
    properties = result.get("properties")
    email = properties.get("email") if isinstance(properties, Mapping) else None
    return email.lower() if isinstance(email, str) and email else None
