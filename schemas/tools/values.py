"""Parsers that turn what an agent sent into the one value HubSpot should receive.

Each parser takes any object (agents send anything) and either returns the normalised value or
raises ``PydanticCustomError`` with a message written for the agent: pydantic then reports it under
the field's name. They never raise anything else, which is what keeps ``parse_tool_input`` to one
exception type. HubSpot property values are strings on the wire, so numbers end up as text here.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, InvalidOperation
from typing import NoReturn

from pydantic_core import PydanticCustomError

#: Amounts and counts at or above this are rejected: no CRM value is that large, and it bounds
#: the length of the decimal text we produce.
MAX_NUMBER = Decimal(10) ** 18

#: Decimal places kept in a number: binary floats like ``0.1 + 0.2`` are rounded to what was meant.
DECIMAL_PLACES = 10

_QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)
_WIDE = Context(prec=60)
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,19}")
_RECORD_ID = re.compile(r"[0-9]{1,20}")
_EMAIL = re.compile(r"[^@\s,;<>()\[\]\"]{1,64}@[^@\s,;<>()\[\]\".]+(?:\.[^@\s,;<>()\[\]\".]+)+")

#: JSON type names by Python type; bool first, since it is an int too.
_JSON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),
    ((int, float, Decimal), "number"),
    (str, "string"),
    ((list, tuple), "array"),
    (dict, "object"),
)


def fail(kind: str, message: str) -> NoReturn:
    """Reject a value; ``message`` is what the agent reads after the field name."""
    raise PydanticCustomError(kind, message)


def type_name(value: object) -> str:
    """The JSON name of a value's type, for messages like "must be a string, got number"."""
    if value is None:
        return "null"
    for kinds, name in _JSON_TYPES:
        if isinstance(value, kinds):
            return name
    return type(value).__name__


def optional_text(value: object) -> str | None:
    """A trimmed string, or ``None`` when absent or blank (blank optional fields are not sent).

    Treating ``""`` as absent means an agent that fills every parameter with empty strings cannot
    wipe a record's values through an update.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        fail("string_type", f"must be a string, got {type_name(value)}")
    text = value.strip()
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        fail("string_unicode", "must be valid Unicode text")
    return text or None


def required_text(value: object) -> str:
    """A trimmed, non-empty string."""
    text = optional_text(value)
    if text is None:
        fail("string_required", "must be a non-empty string")
    return text


def email_address(value: object) -> str:
    """A trimmed email address, checked for shape only (HubSpot has the final word)."""
    text = required_text(value)
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        fail("email", f"{text!r} is not a valid email address")
    return text


def optional_email(value: object) -> str | None:
    """An email address, or ``None`` when absent or blank."""
    return None if optional_text(value) is None else email_address(value)


def record_id(value: object) -> str:
    """A HubSpot record id as its canonical decimal text; ints and numeric strings are accepted."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        fail("record_id", f"must be a numeric record id, got {type_name(value)}")
    if not _RECORD_ID.fullmatch(text) or int(text) == 0:
        fail("record_id", f"{text!r} is not a HubSpot record id (a positive number like 12345)")
    return str(int(text))


def integer(value: object) -> int:
    """An integer from an int, a whole float or a numeric string; booleans are refused."""
    if isinstance(value, bool):
        fail("int_type", "must be an integer, got boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    shown = f" {value!r:.40}" if isinstance(value, str | float) else ""
    fail("int_type", f"must be an integer, got {type_name(value)}{shown}")


def decimal(value: object) -> Decimal:
    """A finite number from an int, a float or a numeric string (``"75000"``, ``"1234.5"``)."""
    if isinstance(value, bool):
        fail("number_type", "must be a number, got boolean")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # repr() is the shortest text that round-trips: 1234.5 stays 1234.5, not 1234.50000001.
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            fail("number_parsing", f"{value.strip()!r:.40} is not a number")
    else:
        fail("number_type", f"must be a number or a numeric string, got {type_name(value)}")
    if not number.is_finite():
        fail("number_parsing", "must be a finite number")
    if abs(number) >= MAX_NUMBER:
        fail("number_too_large", f"must be less than {MAX_NUMBER:,.0f}")
    return number


def decimal_text(number: Decimal) -> str:
    """HubSpot's text for a number: ``75000`` -> ``"75000"``, ``1234.50`` -> ``"1234.5"``."""
    rounded = number.quantize(_QUANTUM, context=_WIDE)
    if rounded.is_zero():
        return "0"
    return format(rounded.normalize(_WIDE), "f")


def non_negative_number_text(value: object) -> str | None:
    """An amount or revenue as HubSpot's text; ``None`` when absent or blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = decimal(value)
    if number < 0:
        fail("number_negative", "must not be negative")
    return decimal_text(number)


def non_negative_integer_text(value: object) -> str | None:
    """A count (e.g. number of employees) as HubSpot's text; ``None`` when absent or blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = decimal(value)
    if number != number.to_integral_value():
        fail("int_fraction", "must be a whole number")
    if number < 0:
        fail("number_negative", "must not be negative")
    return str(int(number))
