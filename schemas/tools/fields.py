"""Reusable field types: one ``Annotated`` alias per shape an agent may send.

A model field is declared as ``name: SomeType = None`` with its description next to it; the
parsing lives here once, so every tool accepts the same shapes in the same way (DESIGN.md section
5: ``properties`` as a list or a comma-separated string, ids as ints or numeric strings, ...).
``WithJsonSchema`` states the shapes we accept, which pydantic cannot infer from a validator.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, Field, WithJsonSchema

from schemas.tools.values import (
    email_address,
    fail,
    integer,
    non_negative_integer_text,
    non_negative_number_text,
    optional_email,
    optional_text,
    record_id,
    required_text,
    type_name,
)

#: HubSpot's internal property names: letters, digits and underscores.
_PROPERTY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
_SEARCH_CURSOR = re.compile(r"[0-9]{1,19}")


def _property_names(value: object) -> list[str] | None:
    """``"a, b"`` or ``["a", "b,c"]`` -> ``["a", "b", "c"]``: trimmed, deduplicated, in order."""
    if value is None:
        return None
    if isinstance(value, str):
        items: list[object] = [value]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        fail(
            "properties_type",
            f"must be a list of names or a comma-separated string, got {type_name(value)}",
        )
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            fail("properties_type", f"each property name must be a string, got {type_name(item)}")
        for part in item.split(","):
            name = part.strip()
            if name and not _PROPERTY_NAME.fullmatch(name):
                fail(
                    "property_name",
                    f"{name!r:.60} is not a property's internal name "
                    "(letters, digits and underscores, e.g. 'firstname', 'hs_lead_status')",
                )
            if name and name not in names:
                names.append(name)
    return names or None


def _contact_ref(value: object) -> str:
    """A contact id, or an email address (looked up with ``idProperty=email``)."""
    if isinstance(value, str) and "@" in value:
        return email_address(value)
    return record_id(value)


def _cursor(value: object) -> str | None:
    """A paging cursor: HubSpot's ``paging.next.after``; ints are accepted as text."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, int | float):
        fail("cursor", f"must be a paging cursor string, got {type_name(value)} {value!r}")
    return optional_text(value)


def _search_cursor(value: object) -> str | None:
    """Search cursors are offsets: HubSpot answers 400 to anything but a whole number."""
    text = _cursor(value)
    if text is not None and not _SEARCH_CURSOR.fullmatch(text):
        fail(
            "cursor",
            f"{text!r:.40} is not a search cursor (a number like '10' from paging.next.after)",
        )
    return text


_NUMBER_OR_TEXT = WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}]})
_INTEGER_OR_TEXT = WithJsonSchema(
    {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}]}
)
_ID_SCHEMA = WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 1}]})

#: An optional free-text property; blank means absent.
Text = Annotated[str | None, BeforeValidator(optional_text)]
#: A required free-text value; blank is refused.
RequiredText = Annotated[str, BeforeValidator(required_text)]
#: A required email address.
Email = Annotated[str, BeforeValidator(email_address)]
#: An optional email address; blank means absent.
OptionalEmail = Annotated[str | None, BeforeValidator(optional_email)]
#: A numeric HubSpot record id, kept as its decimal text.
RecordId = Annotated[str, BeforeValidator(record_id), _ID_SCHEMA]
#: A contact id or a contact's email address.
ContactRef = Annotated[str, BeforeValidator(_contact_ref), _ID_SCHEMA]
#: Property names to return: a list or a comma-separated string.
PropertyNames = Annotated[
    list[str] | None,
    BeforeValidator(_property_names),
    WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}),
]
#: A list paging cursor (opaque text).
Cursor = Annotated[str | None, BeforeValidator(_cursor), WithJsonSchema({"type": "string"})]
#: A search paging cursor (a whole number as text).
SearchCursor = Annotated[
    str | None, BeforeValidator(_search_cursor), WithJsonSchema({"type": "string"})
]
#: A money-like amount, sent as decimal text.
Amount = Annotated[str | None, BeforeValidator(non_negative_number_text), _NUMBER_OR_TEXT]
#: A non-negative whole number, sent as decimal text.
Count = Annotated[str | None, BeforeValidator(non_negative_integer_text), _INTEGER_OR_TEXT]


#: HubSpot's page size when none is asked for.
DEFAULT_LIMIT = 10


def _page_size(value: object) -> object:
    """``limit``: null or blank means HubSpot's default page size (agents send null for "unset")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_LIMIT
    return integer(value)


def _flag(value: object) -> object:
    """A boolean flag: null or blank means false; pydantic parses the rest ("true", 1, ...)."""
    return False if value is None or (isinstance(value, str) and not value.strip()) else value


#: Page sizes: HubSpot allows 100 per list page and 200 per search page. The bounds come first
#: so that they land in the JSON schema as minimum and maximum.
ListLimit = Annotated[int, Field(ge=1, le=100), BeforeValidator(_page_size)]
SearchLimit = Annotated[int, Field(ge=1, le=200), BeforeValidator(_page_size)]
#: A flag that is false unless set.
Flag = Annotated[bool, BeforeValidator(_flag)]
