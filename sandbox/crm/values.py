"""Checking and normalising property values on write, with HubSpot's validation error body.

HubSpot answers every invalid property of a request at once: ``message`` is "Property values were
not valid: " followed by a JSON array describing each problem, and ``errors[]`` repeats each as
``{message, code, context: {propertyName: [...]}}`` (facts 2.5; the PROPERTY_DOESNT_EXIST body is
reproduced exactly). Values come back as HubSpot stores them: numbers without trailing zeros
(``75000``), datetimes as ISO with milliseconds, empty string (or null) meaning "clear".
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.clock import iso_ms
from sandbox.crm.properties import PropertyDef
from sandbox.errors import ApiError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EPOCH = re.compile(r"^-?\d+$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One invalid property: HubSpot's error code, message and the offending name and value."""

    code: str
    message: str
    name: str
    value: str | None = None


class InvalidValue(ValueError):
    """Raised by a normaliser; carries the HubSpot error code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_properties(
    catalog: Mapping[str, PropertyDef], raw: Any, hub_id: int
) -> dict[str, str | None]:
    """Normalise a ``properties`` object for a write; raise HubSpot's 400 listing every problem.

    ``catalog`` is the portal's (``PortalSchema.write_catalog``): HubSpot's properties plus the
    portal's custom ones. The result maps each property to its stored string, or None to clear it.
    """
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ApiError(400, "Invalid input: properties must be an object", "VALIDATION_ERROR")
    clean: dict[str, str | None] = {}
    problems: list[Problem] = []
    for name, value in raw.items():
        definition = catalog.get(name)
        if definition is None:
            message = f'Property "{name}" does not exist'
            problems.append(Problem("PROPERTY_DOESNT_EXIST", message, name))
            continue
        try:
            clean[name] = normalise(definition, value)
        except InvalidValue as exc:
            problems.append(Problem(exc.code, exc.message, name, _as_text(value)))
    if problems:
        raise validation_problems(problems, hub_id)
    return clean


def validation_problems(problems: list[Problem], hub_id: int) -> ApiError:
    """HubSpot's VALIDATION_ERROR for a list of property problems."""
    described = []
    for p in problems:
        item: dict[str, Any] = {
            "isValid": False,
            "message": p.message,
            "error": p.code,
            "name": p.name,
            "localizedErrorMessage": p.message,
        }
        if p.value is not None:
            item["propertyValue"] = p.value
        item["portalId"] = hub_id
        described.append(item)
    return ApiError(
        400,
        "Property values were not valid: " + json.dumps(described, separators=(",", ":")),
        "VALIDATION_ERROR",
        errors=[
            {"message": p.message, "code": p.code, "context": {"propertyName": [p.name]}}
            for p in problems
        ],
    )


def normalise(definition: PropertyDef, value: Any) -> str | None:
    """The stored form of ``value`` for this property; None clears it."""
    if definition.read_only:
        raise InvalidValue(
            "READ_ONLY_VALUE",
            f'"{definition.name}" is a calculated property; its value cannot be set.',
        )
    if value is None or value == "":
        return None
    if definition.type == "number":
        return normalise_number(value)
    if definition.type in ("datetime", "date"):
        return iso_ms(to_epoch_ms(value))
    if definition.type in ("enumeration", "bool"):
        if definition.field_type == "checkbox":
            # Multiple checkboxes: several options, separated by semicolons.
            return ";".join(_option(definition, part) for part in _as_text(value).split(";"))
        return _option(definition, value)
    text = _as_text(value)
    if definition.name == "email" and not _EMAIL.match(text):
        raise InvalidValue("INVALID_EMAIL", f"Email address {text} is invalid")
    return text


def normalise_number(value: Any) -> str:
    """``75000`` -> ``"75000"``, ``"12.50"`` -> ``"12.5"``; anything else is INVALID_INTEGER."""
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidOperation
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError) as exc:
        raise InvalidValue("INVALID_INTEGER", f"{_as_text(value)} was not a valid number.") from exc
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def to_epoch_ms(value: Any) -> int:
    """ISO datetime, ``YYYY-MM-DD`` (midnight UTC) or epoch milliseconds, as HubSpot accepts."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    text = _as_text(value).strip()
    try:
        if _EPOCH.match(text):
            return int(text)
        if _DATE.match(text):
            moment = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidValue("INVALID_DATE", f"{text} was not a valid date.") from exc
    return int(moment.timestamp() * 1000)


def _option(definition: PropertyDef, value: Any) -> str:
    text = _as_text(value)
    if any(option.value == text for option in definition.options):
        return text
    listed = ", ".join(
        f'label: "{o.label}"\nvalue: "{o.value}"\ndisplay_order: {o.display_order}\n'
        'double_data: 0.0\nhidden: false\ndescription: ""\nread_only: false\n'
        for o in definition.options
    )
    raise InvalidValue("INVALID_OPTION", f"{text} was not one of the allowed options: [{listed}]")


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)
