"""What create and update tools take beside their named fields (DESIGN.md section 13).

``properties``: further HubSpot properties by internal name, custom ones included, merged into the
request's ``properties``. Without a portal schema only the shape is checked here (names like
HubSpot's, scalar values); with one, ``schemas.portal_checks`` refuses unknown and read-only names
and normalises enumeration values.

``associations``: records the new one is linked to on create, sent in HubSpot's v3 create body
with the default (unlabeled, ``HUBSPOT_DEFINED``) association type of each direction.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from schemas.tools.fields import RecordId
from schemas.tools.request import ObjectType
from schemas.tools.values import decimal, decimal_text, fail, optional_text, type_name

#: Most extra properties one call may set (a 64 KiB input bounds it anyway; this keeps errors
#: short and the check cheap).
MAX_EXTRA_PROPERTIES = 100
#: Most records of one type a create may be associated with.
MAX_ASSOCIATED = 100

_PROPERTY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")

#: HubSpot's default (unlabeled) association type ids, by (from, to) object type. Sources: the
#: v4 associations guide's "HubSpot defined association types" table
#: (https://developers.hubspot.com/docs/api/crm/associations), whose create example uses 279
#: (https://developers.hubspot.com/docs/api-reference/latest/crm/associations/overview). The
#: facts sheet's deal->company 5 is the *primary* company type, not the unlabeled default: 341.
DEFAULT_ASSOCIATION_TYPES: dict[tuple[ObjectType, ObjectType], int] = {
    ("contacts", "companies"): 279,
    ("companies", "contacts"): 280,
    ("deals", "contacts"): 3,
    ("contacts", "deals"): 4,
    ("deals", "companies"): 341,
    ("companies", "deals"): 342,
}

#: The ``associations`` keys and the object type each names.
ASSOCIATION_KEYS: dict[str, ObjectType] = {
    "contact_ids": "contacts",
    "company_ids": "companies",
    "deal_ids": "deals",
}


def _value_text(name: str, value: object) -> str | None:
    """One extra property's value as HubSpot's text; None (absent) for null or blank."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return decimal_text(decimal(value))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        # A multiple-checkbox property: HubSpot joins the options with ';'.
        return ";".join(v.strip() for v in value if v.strip()) or None
    if value is not None and not isinstance(value, str):
        fail(
            "property_value",
            f"properties.{name}: must be a string, number, boolean or list of strings, "
            f"got {type_name(value)}",
        )
    return optional_text(value)


def _object_or_none(value: object) -> object:
    """Null or blank means absent (agents fill every parameter); JSON text of an object is one."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            return value
    return value


def _extra_properties(value: object) -> dict[str, str] | None:
    """``{"name": value}`` with HubSpot-like names and scalar values, as text; blanks dropped."""
    value = _object_or_none(value)
    if value is None:
        return None
    if not isinstance(value, dict):
        fail(
            "properties_type",
            "must be an object of HubSpot property names to values, e.g. "
            '{"favorite_color": "blue"}',
        )
    if len(value) > MAX_EXTRA_PROPERTIES:
        fail("properties_count", f"at most {MAX_EXTRA_PROPERTIES} properties per call")
    clean: dict[str, str] = {}
    for name, raw in value.items():
        if not isinstance(name, str) or not _PROPERTY_NAME.fullmatch(name):
            fail(
                "property_name",
                f"{name!r:.60} is not a property's internal name (letters, digits and "
                "underscores, e.g. 'favorite_color')",
            )
        text = _value_text(name, raw)
        if text is not None:
            clean[name] = text
    return clean or None


#: Further HubSpot properties to set: internal name -> value.
ExtraProperties = Annotated[
    dict[str, str] | None,
    BeforeValidator(_extra_properties),
    WithJsonSchema(
        {
            "type": "object",
            "additionalProperties": {
                "anyOf": [
                    {"type": "string"},
                    {"type": "number"},
                    {"type": "boolean"},
                    {"type": "array", "items": {"type": "string"}},
                ]
            },
        }
    ),
]

_Ids = Annotated[list[RecordId], Field(max_length=MAX_ASSOCIATED)]


class Associations(BaseModel):
    """Existing records to link the new one to, by HubSpot id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contact_ids: _Ids = Field(default_factory=list, description="Contact ids, e.g. ['101'].")
    company_ids: _Ids = Field(default_factory=list, description="Company ids.")
    deal_ids: _Ids = Field(default_factory=list, description="Deal ids.")

    def targets(self) -> list[tuple[ObjectType, str]]:
        """``(object type, id)`` of every record named, in order, each once."""
        seen: list[tuple[ObjectType, str]] = []
        for key, object_type in ASSOCIATION_KEYS.items():
            for record in getattr(self, key):
                if (object_type, record) not in seen:
                    seen.append((object_type, record))
        return seen


#: ``associations`` of a create: null, blank or JSON text accepted like other objects.
OptionalAssociations = Annotated[Associations | None, BeforeValidator(_object_or_none)]


def check_association_keys(object_type: ObjectType, associations: Associations | None) -> None:
    """Refuse links HubSpot has no default type for (a contact to a contact, ...)."""
    if associations is None:
        return
    for key, target in ASSOCIATION_KEYS.items():
        if getattr(associations, key) and (object_type, target) not in DEFAULT_ASSOCIATION_TYPES:
            allowed = [k for k, t in ASSOCIATION_KEYS.items() if (object_type, t) in _PAIRS]
            fail(
                "association_type",
                f"associations.{key}: a new {object_type[:-1]} can be linked through "
                f"{' and '.join(allowed)} only",
            )


_PAIRS = set(DEFAULT_ASSOCIATION_TYPES)


def association_body(object_type: ObjectType, associations: Associations) -> list[dict[str, Any]]:
    """HubSpot's v3 create ``associations``: ``[{to: {id}, types: [{category, typeId}]}]``."""
    return [
        {
            "to": {"id": record},
            "types": [
                {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": DEFAULT_ASSOCIATION_TYPES[(object_type, target)],
                }
            ],
        }
        for target, record in associations.targets()
    ]
