"""The four batch tools: many records in one HubSpot call, for agents that want one tool call.

Each takes ``inputs``, 1 to 100 records in the single tool's own shape (``hubspot_contact_create``'s
fields for ``hubspot_contacts_batch_create``, and so on), so an agent that knows the single tool
knows the batch one. The items are validated by the single tools' models and their HubSpot bodies
are the single calls' bodies, collected into ``/crm/v3/objects/{type}/batch/{create,update}``.

Two records of one batch may not name the same record (same id, or for creates the same email):
HubSpot refuses duplicate ids in a batch update, and two creates of one email would be a conflict
inside one call; the agent is told at submission which items collide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Self

from pydantic import Field, model_validator

from schemas.tools.base import CreateInput, ToolInput, UpdateInput, id_params
from schemas.tools.companies import CompanyUpdateInput
from schemas.tools.contacts import ContactCreateInput, ContactUpdateInput
from schemas.tools.deals import DealUpdateInput
from schemas.tools.request import HubSpotRequest, ObjectType, objects_path
from schemas.tools.values import fail

#: HubSpot's batch endpoints take at most this many inputs a call.
MAX_BATCH_INPUTS = 100


def _batch_of(item: type[Any], what: str) -> Any:
    return Annotated[
        list[item],  # type: ignore[valid-type]
        Field(
            min_length=1,
            max_length=MAX_BATCH_INPUTS,
            description=f"1 to {MAX_BATCH_INPUTS} {what}, each in the single tool's shape.",
        ),
    ]


class _BatchInput(ToolInput):
    """``inputs``: the records; subclasses name the item model and the record key."""

    inputs: list[Any]

    def _keys(self) -> list[str]:
        raise NotImplementedError

    @model_validator(mode="after")
    def _distinct_records(self) -> Self:
        """Two items naming one record would collide inside HubSpot's one call."""
        seen: dict[str, int] = {}
        for position, key in enumerate(self._keys()):
            if key in seen:
                fail(
                    "duplicate_record",
                    f"inputs {seen[key]} and {position} name the same record ({key}); "
                    "give each record once per batch",
                )
            seen[key] = position
        return self


def batch_create_request(
    object_type: ObjectType, items: Sequence[CreateInput], trace_ids: Sequence[str] = ()
) -> HubSpotRequest:
    """``POST .../batch/create`` with each item's single-create body as one input.

    ``trace_ids`` (one per item, or none) become the inputs' ``objectWriteTraceId``: HubSpot
    names it in the context of a failed input's error, which is how the worker's coalesced
    calls (``worker.coalesce``) tell whose input failed.
    """
    inputs = [dict(item.to_request().json or {}) for item in items]
    _trace(inputs, trace_ids)
    return HubSpotRequest(
        method="POST",
        path=objects_path(object_type, "batch", "create"),
        json={"inputs": inputs},
    )


def batch_update_request(
    object_type: ObjectType, items: Sequence[UpdateInput], trace_ids: Sequence[str] = ()
) -> HubSpotRequest:
    """``POST .../batch/update``: each input's id (``idProperty=email`` for an email)."""
    inputs = []
    for item in items:
        entry: dict[str, Any] = {"id": item.record, **id_params(item.record)}
        entry["properties"] = item.hubspot_properties()
        inputs.append(entry)
    _trace(inputs, trace_ids)
    return HubSpotRequest(
        method="POST",
        path=objects_path(object_type, "batch", "update"),
        json={"inputs": inputs},
    )


def _trace(inputs: list[dict[str, Any]], trace_ids: Sequence[str]) -> None:
    if trace_ids:
        if len(trace_ids) != len(inputs):
            raise ValueError("give one trace id per input, or none")
        for entry, trace_id in zip(inputs, trace_ids, strict=True):
            entry["objectWriteTraceId"] = trace_id


class _BatchCreate(_BatchInput):
    def to_request(self) -> HubSpotRequest:
        """``POST .../batch/create`` with each item's single-create body as one input."""
        return batch_create_request(self.object_type, self.inputs)


class _BatchUpdate(_BatchInput):
    def _keys(self) -> list[str]:
        items: list[UpdateInput] = self.inputs
        return [item.record.lower() for item in items]

    def to_request(self) -> HubSpotRequest:
        """``POST .../batch/update``: each input's id (``idProperty=email`` for an email)."""
        return batch_update_request(self.object_type, self.inputs)


class ContactsBatchCreateInput(_BatchCreate):
    """New contacts, each as ``hubspot_contact_create`` takes it."""

    object_type: ClassVar = "contacts"

    inputs: _batch_of(ContactCreateInput, "new contacts")  # type: ignore[valid-type]

    def _keys(self) -> list[str]:
        return [item.email.lower() for item in self.inputs]


class ContactsBatchUpdateInput(_BatchUpdate):
    """Contact updates, each as ``hubspot_contact_update`` takes it (by id or email)."""

    object_type: ClassVar = "contacts"

    inputs: _batch_of(ContactUpdateInput, "contact updates")  # type: ignore[valid-type]


class CompaniesBatchUpdateInput(_BatchUpdate):
    """Company updates, each as ``hubspot_company_update`` would take it (by id)."""

    object_type: ClassVar = "companies"

    inputs: _batch_of(CompanyUpdateInput, "company updates")  # type: ignore[valid-type]


class DealsBatchUpdateInput(_BatchUpdate):
    """Deal updates, each as ``hubspot_deal_update`` takes it (by id)."""

    object_type: ClassVar = "deals"

    inputs: _batch_of(DealUpdateInput, "deal updates")  # type: ignore[valid-type]
