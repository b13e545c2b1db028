"""Helpers shared by the CRM endpoints: body parsing, record lookup, write rules.

Lookup follows facts 2.7 and 4.3: a non-numeric id without ``idProperty`` is 404
``OBJECT_NOT_FOUND``; a numeric id that does not exist is 404 "resource not found" without a
category; ``idProperty`` must name a unique property (contacts: ``email``; all: ``hs_object_id``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.crm.associations import associations_view
from sandbox.crm.properties import CATALOG
from sandbox.crm.records import ObjectStore, Record, render
from sandbox.crm.values import check_properties
from sandbox.errors import (
    ApiError,
    invalid_json,
    object_not_found,
    resource_not_found,
    validation_error,
)
from sandbox.http import Request
from schemas.hubspot_defaults import DEFAULT_PIPELINE_ID

if TYPE_CHECKING:
    from sandbox.state import Sandbox


def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or HubSpot's 400."""
    try:
        body = request.json()
    except ValueError as exc:
        raise invalid_json(exc) from exc
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise validation_error("Invalid input: the request body must be a JSON object")
    return body


def requested_properties(request: Request, name: str = "properties") -> list[str] | None:
    """``properties`` (or ``name``) query values, repeated and/or comma-separated; None when
    absent."""
    values = request.query.get(name) if request.query_string else None
    if not values:
        return None
    names = [name.strip() for value in values for name in value.split(",")]
    return [name for name in names if name] or None


def listed_properties(value: Any) -> list[str] | None:
    """A body's ``properties`` (a list, or a comma-separated string), None when absent."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        raise validation_error("Invalid input: properties must be a list of strings")
    names = [str(name).strip() for name in value]
    return [name for name in names if name] or None


def flag(value: str | None) -> bool:
    """A boolean query parameter (``archived=true``)."""
    return value is not None and value.lower() == "true"


def locate(
    store: ObjectStore, raw_id: str, id_property: str | None, *, archived: bool = False
) -> Record:
    """The record an id (or a unique property value) names, or HubSpot's 404."""
    if id_property in (None, "hs_object_id"):
        if not raw_id.isdigit():
            if id_property is None:
                raise object_not_found(raw_id)
            raise resource_not_found()
        record = store.get(int(raw_id), archived=archived)
    elif id_property == "email" and store.object_type == "contacts":
        record = None if archived else store.by_email(raw_id)
    else:
        raise not_unique(store.object_type, id_property)
    if record is None:
        raise resource_not_found()
    return record


def not_unique(object_type: str, id_property: str | None) -> ApiError:
    """400 for an ``idProperty`` that is not a unique property (wording UNCONFIRMED)."""
    name = id_property or ""
    if name not in CATALOG[object_type]:
        return validation_error(f'Property "{name}" does not exist')
    return validation_error(f"{name} is not a unique property; it cannot be used as idProperty")


def check_unique_email(store: ObjectStore, values: dict[str, str | None], own_id: int) -> None:
    """409 when a contact write would reuse another live contact's email (facts 2.6)."""
    email = values.get("email")
    if store.object_type != "contacts" or email is None:
        return
    existing = store.by_email(email)
    if existing is not None and existing.id != own_id:
        raise ApiError(409, f"Contact already exists. Existing ID: {existing.id}", "CONFLICT")


def create_record(store: ObjectStore, values: dict[str, str | None], now_ms: int) -> Record:
    """Create with HubSpot's defaults: a deal without a pipeline joins the default one."""
    if store.object_type == "deals" and values.get("pipeline") is None:
        values = {**values, "pipeline": DEFAULT_PIPELINE_ID}
    check_unique_email(store, values, own_id=-1)
    return store.create(values, now_ms)


def write_values(
    sandbox: Sandbox, hub_id: int, object_type: str, raw: Any, record: Record | None = None
) -> dict[str, str | None]:
    """A write's ``properties`` checked against the portal's catalog (custom properties, and a
    ``dealstage`` within the deal's pipeline: the written one, else the record's)."""
    current = record.values.get("pipeline") if record is not None else None
    catalog = sandbox.schema(hub_id).write_catalog(object_type, raw, current)
    return check_properties(catalog, raw, hub_id)


def record_view(
    sandbox: Sandbox,
    hub_id: int,
    object_type: str,
    record: Record,
    requested: list[str] | None,
    *,
    written: bool = False,
    history: list[str] | None = None,
    associations: list[str] | None = None,
) -> dict[str, Any]:
    """``render`` with the portal's catalog, plus ``associations`` when asked for and found."""
    catalog = sandbox.schema(hub_id).catalog(object_type)
    body = render(
        record, object_type, requested, written=written, catalog=catalog, with_history=history
    )
    if associations:
        found = associations_view(sandbox, hub_id, record, associations)
        if found:
            body["associations"] = found
    return body
