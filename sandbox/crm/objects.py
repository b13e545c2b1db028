"""``/crm/v3/objects/{type}``: create, read, update, archive and list one type's records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.crm.associations import link, parse_links, requested_types
from sandbox.crm.common import (
    check_unique_email,
    create_record,
    flag,
    json_object,
    locate,
    record_view,
    requested_properties,
    write_values,
)
from sandbox.errors import object_not_found, validation_error
from sandbox.http import Request, Response, empty_response, json_response

if TYPE_CHECKING:
    from sandbox.state import Sandbox

#: List pages hold at most 100 records (facts 3), 10 by default.
MAX_LIST_LIMIT = 100
DEFAULT_LIMIT = 10


def create(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """``POST``: 201 with the new record and every property it has; ``associations`` are
    checked before anything is written and stored on both sides."""
    hub_id = request.hub_id
    body = json_object(request)
    values = write_values(sandbox, hub_id, object_type, body.get("properties"))
    links = parse_links(sandbox, hub_id, object_type, body.get("associations"))
    store = sandbox.store(hub_id, object_type)
    record = create_record(store, values, sandbox.clock.now_ms())
    link(sandbox, hub_id, object_type, record, links)
    return json_response(201, record_view(sandbox, hub_id, object_type, record, None, written=True))


def read(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """``GET /{id}``: ``properties``, ``propertiesWithHistory``, ``associations``, ``archived``
    and ``idProperty`` as HubSpot reads them."""
    hub_id = request.hub_id
    store = sandbox.store(hub_id, object_type)
    record = locate(
        store,
        request.params["id"],
        request.query_value("idProperty"),
        archived=flag(request.query_value("archived")),
    )
    view = record_view(
        sandbox,
        hub_id,
        object_type,
        record,
        requested_properties(request),
        history=requested_properties(request, "propertiesWithHistory"),
        associations=requested_types(request),
    )
    return json_response(200, view)


def update(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """``PATCH /{id}``: partial update; an empty string clears a property."""
    hub_id = request.hub_id
    store = sandbox.store(hub_id, object_type)
    record = locate(store, request.params["id"], request.query_value("idProperty"))
    raw = json_object(request).get("properties")
    values = write_values(sandbox, hub_id, object_type, raw, record)
    check_unique_email(store, values, own_id=record.id)
    store.update(record, values, sandbox.clock.now_ms())
    return json_response(200, record_view(sandbox, hub_id, object_type, record, None, written=True))


def archive(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """``DELETE /{id}``: to the recycling bin; 204 even when there was nothing to archive."""
    raw_id = request.params["id"]
    if not raw_id.isdigit():
        raise object_not_found(raw_id)
    store = sandbox.store(request.hub_id, object_type)
    record = store.get(int(raw_id))
    if record is not None:
        store.archive(record, sandbox.clock.now_ms())
    return empty_response(204)


def list_page(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """``GET``: one page, oldest first, ``paging.next`` while more remain."""
    limit = _int_param(request.query_value("limit"), "limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIST_LIMIT}, got {limit}")
    after = _int_param(request.query_value("after"), "after", 0)
    hub_id = request.hub_id
    store = sandbox.store(hub_id, object_type)
    archived = flag(request.query_value("archived"))
    records, next_id = store.page(after, limit, archived=archived)
    requested = requested_properties(request)
    history = requested_properties(request, "propertiesWithHistory")
    wanted = requested_types(request)
    results = [
        record_view(
            sandbox, hub_id, object_type, r, requested, history=history, associations=wanted
        )
        for r in records
    ]
    body: dict[str, object] = {"results": results}
    if next_id is not None:
        body["paging"] = {"next": {"after": str(next_id), "link": f"?after={next_id}"}}
    return json_response(200, body)


def _int_param(value: str | None, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise validation_error(f"{name} must be an integer, got {value!r}") from None
