"""``/crm/v3/objects/{type}/batch/{create,read,update,upsert,archive}`` (facts 2.10, 4.4, 4.5).

At most 100 inputs per call, else 400. Each input succeeds or fails on its own: any failure turns
the answer into 207 with ``numErrors`` and ``errors[]`` (HubSpot's ``StandardError`` shape, with
the failing input's ``objectWriteTraceId`` or ids in ``context``); missing ids of a read or update
are reported together in one OBJECT_NOT_FOUND error. Upsert results carry ``new``.

One exception, as HubSpot has it (facts 2.6, 5b; hubspot-api-python#51): a contact batch create
where an input's email already exists fails whole, 409 ``CONFLICT`` naming the first conflict
only, and creates nothing. Two inputs of one batch with the same email are refused whole as well
(400; HubSpot's answer for that case is UNCONFIRMED).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.clock import iso_ms
from sandbox.crm.associations import link, parse_links
from sandbox.crm.common import (
    check_unique_email,
    create_record,
    flag,
    json_object,
    listed_properties,
    locate,
    not_unique,
    record_view,
    write_values,
)
from sandbox.crm.records import ObjectStore, Record
from sandbox.errors import ApiError, validation_error
from sandbox.http import Request, Response, empty_response, json_response

if TYPE_CHECKING:
    from sandbox.state import Sandbox

MAX_INPUTS = 100
_NAMES = {"contacts": "CONTACT", "companies": "COMPANY", "deals": "DEAL"}


class _Batch:
    """Collects one batch call's results and errors."""

    def __init__(self, sandbox: Sandbox, request: Request, object_type: str) -> None:
        self.sandbox = sandbox
        self.object_type = object_type
        self.hub_id: int = request.hub_id
        self.store: ObjectStore = sandbox.store(self.hub_id, object_type)
        self.started = iso_ms(sandbox.clock.now_ms())
        self.body = json_object(request)
        self.inputs = _inputs(self.body)
        self.results: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.missing: list[str] = []

    def fail(self, error: ApiError, item: dict[str, Any]) -> None:
        trace = item.get("objectWriteTraceId")
        context = {"objectWriteTraceId": [str(trace)]} if trace is not None else {}
        if error.status == 404:
            self.missing.append(str(item.get("id")))
            return
        self.errors.append(_standard_error(error.category or "VALIDATION_ERROR", error, context))

    def answer(self, success: int) -> Response:
        if self.missing:
            message = (
                f"Could not get some {_NAMES[self.object_type]} objects, they may be deleted or "
                "not exist. Check that ids are valid."
            )
            error = ApiError(404, message, "OBJECT_NOT_FOUND")
            self.errors.append(_standard_error("OBJECT_NOT_FOUND", error, {"ids": self.missing}))
        body: dict[str, Any] = {"status": "COMPLETE", "results": self.results}
        if self.errors:
            body["numErrors"] = len(self.errors)
            body["errors"] = self.errors
        body["startedAt"] = self.started
        body["completedAt"] = iso_ms(self.sandbox.clock.now_ms())
        return json_response(207 if self.errors else success, body)

    def each(self, action: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        for item in self.inputs:
            try:
                self.results.append(action(item))
            except ApiError as exc:
                self.fail(exc, item)

    def now(self) -> int:
        return self.sandbox.clock.now_ms()

    def values(self, raw: Any, record: Record | None = None) -> dict[str, str | None]:
        return write_values(self.sandbox, self.hub_id, self.object_type, raw, record)

    def view(self, record: Record) -> dict[str, Any]:
        """A written record: every property it has."""
        return record_view(self.sandbox, self.hub_id, self.object_type, record, None, written=True)


def _inputs(body: dict[str, Any]) -> list[dict[str, Any]]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise validation_error("inputs must be a list of objects")
    if len(inputs) > MAX_INPUTS:
        raise validation_error(f"Batch calls take at most {MAX_INPUTS} inputs, got {len(inputs)}")
    return inputs


def _standard_error(
    category: str, error: ApiError, context: dict[str, list[str]]
) -> dict[str, Any]:
    return {
        "status": "error",
        "category": category,
        "message": error.message,
        "context": context,
        "errors": error.errors or [],
        "links": {},
    }


def batch_create(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """Create each input; 201 when all succeed (a contact email conflict fails the batch)."""
    batch = _Batch(sandbox, request, object_type)
    if object_type == "contacts":
        _refuse_email_conflicts(batch.store, batch.inputs)

    def create(item: dict[str, Any]) -> dict[str, Any]:
        values = batch.values(item.get("properties"))
        links = parse_links(sandbox, batch.hub_id, object_type, item.get("associations"))
        record = create_record(batch.store, values, batch.now())
        link(sandbox, batch.hub_id, object_type, record, links)
        return batch.view(record)

    batch.each(create)
    return batch.answer(201)


def batch_read(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """Read each input id (``idProperty``, ``archived`` and ``propertiesWithHistory`` apply to
    all; batch read cannot return associations, facts 5b)."""
    batch = _Batch(sandbox, request, object_type)
    requested = listed_properties(batch.body.get("properties"))
    history = listed_properties(batch.body.get("propertiesWithHistory"))
    id_property = batch.body.get("idProperty")
    archived = flag(request.query_value("archived"))

    def read(item: dict[str, Any]) -> dict[str, Any]:
        record = locate(batch.store, str(item.get("id")), id_property, archived=archived)
        return record_view(sandbox, batch.hub_id, object_type, record, requested, history=history)

    batch.each(read)
    return batch.answer(200)


def batch_update(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """Update each input by id (or its own ``idProperty``)."""
    batch = _Batch(sandbox, request, object_type)

    def update(item: dict[str, Any]) -> dict[str, Any]:
        record = locate(batch.store, str(item.get("id")), item.get("idProperty"))
        values = batch.values(item.get("properties"), record)
        check_unique_email(batch.store, values, own_id=record.id)
        batch.store.update(record, values, batch.now())
        return batch.view(record)

    batch.each(update)
    return batch.answer(200)


def batch_upsert(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """Update the record a unique property names, or create it; results carry ``new``."""
    batch = _Batch(sandbox, request, object_type)

    def upsert(item: dict[str, Any]) -> dict[str, Any]:
        id_property, raw_id = item.get("idProperty"), str(item.get("id"))
        by_email = id_property == "email" and object_type == "contacts"
        properties = item.get("properties") or {}
        if by_email and isinstance(properties, dict):
            properties = {"email": raw_id, **properties}
        if by_email:
            existing = batch.store.by_email(raw_id)
            if existing is None:
                record = create_record(batch.store, batch.values(properties), batch.now())
                return {**batch.view(record), "new": True}
        elif id_property == "hs_object_id":
            existing = locate(batch.store, raw_id, id_property)
        else:
            raise not_unique(object_type, id_property)
        values = batch.values(properties, existing)
        check_unique_email(batch.store, values, own_id=existing.id)
        batch.store.update(existing, values, batch.now())
        return {**batch.view(existing), "new": False}

    batch.each(upsert)
    return batch.answer(200)


def _refuse_email_conflicts(store: ObjectStore, inputs: list[dict[str, Any]]) -> None:
    """The whole-batch answers: 409 for the first email that exists, 400 for one given twice."""
    emails = [_email(item) for item in inputs]
    for email in emails:
        existing = store.by_email(email) if email is not None else None
        if existing is not None:
            raise ApiError(409, f"Contact already exists. Existing ID: {existing.id}", "CONFLICT")
    seen: set[str] = set()
    for email in emails:
        if email is None:
            continue
        if email.lower() in seen:
            raise validation_error(f"Duplicate emails found in batch input: [{email}]")
        seen.add(email.lower())


def _email(item: dict[str, Any]) -> str | None:
    properties = item.get("properties")
    email = properties.get("email") if isinstance(properties, dict) else None
    return email if isinstance(email, str) and email else None


def batch_archive(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """Archive each input id that exists; 204 regardless."""
    batch = _Batch(sandbox, request, object_type)
    for item in batch.inputs:
        raw_id = str(item.get("id"))
        record = batch.store.get(int(raw_id)) if raw_id.isdigit() else None
        if record is not None:
            batch.store.archive(record, batch.now())
    return empty_response(204)
