"""Associations given with a create and read back with ``?associations=`` (v3 shapes).

A create body's ``associations`` is ``[{"to": {"id": "123"}, "types": [{"associationCategory":
"HUBSPOT_DEFINED", "associationTypeId": 279}]}]`` (facts 4.4); each link is stored on both records
with the inverse type, as HubSpot's associations are readable from either side. A read answers
``"associations": {"companies": {"results": [{"id": "...", "type": "..."}]}}``
(``SimplePublicObjectWithAssociations``, facts 4.5); types without links are left out.

Type ids are HubSpot's default HUBSPOT_DEFINED ones. 279 (contact to company) and 3 (deal to
contact) are in HubSpot's create examples (facts 4.4); the others follow HubSpot's table of default
association types (associations v4 guide), as public integrations' tables reproduce it (searched:
"Deal to company | 341", ``CONTACT_TO_COMPANY_UNLABELED_ASSOCIATION_ID = 279``): 1/2, 5/6 are the
"Primary" labels and 279/280, 341/342 the unlabeled ones. The v3 ``type`` names
follow captured v3 answers: the primary label reads ``contact_to_company`` and the unlabeled type
``contact_to_company_unlabeled``. HubSpot also makes a contact's first company its primary one
automatically; the sandbox stores only the types asked for.

An unknown target id or type is 400 ``VALIDATION_ERROR`` and nothing is created (HubSpot's exact
wording is UNCONFIRMED).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.crm.records import Record
from sandbox.errors import ApiError, validation_error
from sandbox.http import Request

if TYPE_CHECKING:
    from sandbox.state import Sandbox

#: Type id -> (from type, to type, v3 type name).
TYPES: dict[int, tuple[str, str, str]] = {
    1: ("contacts", "companies", "contact_to_company"),
    279: ("contacts", "companies", "contact_to_company_unlabeled"),
    2: ("companies", "contacts", "company_to_contact"),
    280: ("companies", "contacts", "company_to_contact_unlabeled"),
    4: ("contacts", "deals", "contact_to_deal"),
    3: ("deals", "contacts", "deal_to_contact"),
    5: ("deals", "companies", "deal_to_company"),
    341: ("deals", "companies", "deal_to_company_unlabeled"),
    6: ("companies", "deals", "company_to_deal"),
    342: ("companies", "deals", "company_to_deal_unlabeled"),
}
#: The type the target record sees for each type.
INVERSE = {1: 2, 2: 1, 279: 280, 280: 279, 4: 3, 3: 4, 5: 6, 6: 5, 341: 342, 342: 341}
#: Spellings ``?associations=`` accepts for each type.
_NAMES = {
    **{name: name for name in ("contacts", "companies", "deals")},
    "contact": "contacts",
    "company": "companies",
    "deal": "deals",
    "0-1": "contacts",
    "0-2": "companies",
    "0-3": "deals",
}
_SINGULAR = {"contacts": "CONTACT", "companies": "COMPANY", "deals": "DEAL"}


@dataclass(frozen=True, slots=True)
class Link:
    """One checked association of a record being created."""

    to_type: str
    to_id: int
    type_id: int


def parse_links(sandbox: Sandbox, hub_id: int, object_type: str, raw: Any) -> list[Link]:
    """The ``associations`` of a create body, checked before anything is written."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise validation_error("Invalid input: associations must be a list")
    links: list[Link] = []
    for item in raw:
        to = item.get("to") if isinstance(item, dict) else None
        types = item.get("types") if isinstance(item, dict) else None
        if not isinstance(to, dict) or not isinstance(types, list) or not types:
            raise validation_error("Invalid input: each association needs `to.id` and `types`")
        to_id = str(to.get("id", ""))
        for spec in types:
            links.append(_link(sandbox, hub_id, object_type, to_id, spec))
    return links


def _link(sandbox: Sandbox, hub_id: int, object_type: str, to_id: str, spec: Any) -> Link:
    raw_type = spec.get("associationTypeId") if isinstance(spec, dict) else None
    category = spec.get("associationCategory") if isinstance(spec, dict) else None
    type_id = raw_type if isinstance(raw_type, int) and not isinstance(raw_type, bool) else -1
    known = TYPES.get(type_id)
    if known is None or category != "HUBSPOT_DEFINED" or known[0] != object_type:
        raise validation_error(
            f"Invalid association type {category} {raw_type} for {_SINGULAR[object_type]} objects",
            errors=[
                {
                    "message": f"association type {raw_type} is not valid here",
                    "code": "INVALID_ASSOCIATION_TYPE",
                }
            ],
        )
    to_type = known[1]
    target = sandbox.store(hub_id, to_type).get(int(to_id)) if to_id.isdigit() else None
    if target is None:
        raise ApiError(
            400,
            f"{_SINGULAR[to_type]}={to_id} is not valid",
            "VALIDATION_ERROR",
            errors=[
                {
                    "message": f"No {_SINGULAR[to_type].lower()} with id {to_id} exists",
                    "code": "INVALID_OBJECT_ID",
                    "context": {"id": [to_id]},
                }
            ],
        )
    return Link(to_type, target.id, type_id)


def link(
    sandbox: Sandbox, hub_id: int, object_type: str, record: Record, links: list[Link]
) -> None:
    """Store each link on both records (the target gets the inverse type)."""
    for item in links:
        store = sandbox.store(hub_id, item.to_type)
        target = store.get(item.to_id)
        if target is None:
            continue
        _add(record, item.to_type, target.id, item.type_id)
        _add(target, object_type, record.id, INVERSE[item.type_id])
        store.changed.add(target.id)  # the target's row must be written again
        sandbox.store(hub_id, object_type).changed.add(record.id)


def _add(record: Record, to_type: str, to_id: int, type_id: int) -> None:
    types = record.associations.setdefault(to_type, {}).setdefault(str(to_id), [])
    if type_id not in types:
        types.append(type_id)


def requested_types(request: Request) -> list[str] | None:
    """``associations`` query values as object type names (unknown names ignored)."""
    values = request.query.get("associations") if request.query_string else None
    if not values:
        return None
    names = [_NAMES.get(n.strip().lower()) for value in values for n in value.split(",")]
    return list(dict.fromkeys(n for n in names if n is not None)) or None


def associations_view(
    sandbox: Sandbox, hub_id: int, record: Record, wanted: list[str]
) -> dict[str, Any]:
    """``{type: {"results": [{id, type}]}}`` for each wanted type with live links."""
    view: dict[str, Any] = {}
    for to_type in wanted:
        store = sandbox.store(hub_id, to_type)
        results = [
            {"id": to_id, "type": TYPES[type_id][2]}
            for to_id, type_ids in record.associations.get(to_type, {}).items()
            if store.get(int(to_id)) is not None
            for type_id in type_ids
        ]
        if results:
            view[to_type] = {"results": results}
    return view
