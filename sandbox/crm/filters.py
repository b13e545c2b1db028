"""Search predicates: ``filterGroups`` filters and the free-text ``query`` (facts 4.6).

Values compare by the property's type: numbers numerically, datetimes as instants (a filter value
may be epoch milliseconds, an ISO datetime or a date), enumerations exactly (case-sensitive),
strings case-insensitively; ``IN``/``NOT_IN`` on strings compare the lowercased record value with
the given values as they are, which is why HubSpot asks for lowercase values there. A record
without the property never satisfies a positive comparison and always satisfies a negative one
(HubSpot's treatment of missing values for NEQ and NOT_IN is UNCONFIRMED).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.crm.properties import SEARCHABLE, PropertyDef
from sandbox.crm.records import Record
from sandbox.crm.values import InvalidValue, to_epoch_ms
from sandbox.errors import validation_error

Predicate = Callable[[Record], bool]
Key = Callable[[str], Any]
#: A portal's properties of one type (``PortalSchema.catalog``), custom ones included.
Catalog = Mapping[str, PropertyDef]

OPERATORS = frozenset(
    (
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    )
)
_NEGATED = {"NEQ": "EQ", "NOT_IN": "IN", "NOT_CONTAINS_TOKEN": "CONTAINS_TOKEN"}
_PUNCTUATION = ".,;:!?()[]{}<>\"'"
_WORD_SPLIT = re.compile(r"[^\w]+")


def key_for(catalog: Catalog, name: str) -> Key:
    """How values of property ``name`` compare (see the module docstring)."""
    definition = catalog.get(name)
    kind = definition.type if definition is not None else "string"
    if kind == "number":
        return _decimal
    if kind in ("datetime", "date"):
        return _instant
    if kind == "enumeration":
        return str
    return str.lower


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        return None


def _instant(value: str) -> int | None:
    try:
        return to_epoch_ms(value)
    except InvalidValue:
        return None


def words(text: str) -> set[str]:
    """The lowercase words a value is searchable by: the whole value, its whitespace-separated
    tokens (with and without punctuation), an email's local part and domain, and alphanumeric
    pieces (so ``acmecorp.com`` is found by ``acmecorp``)."""
    lowered = text.lower()
    found = {lowered}
    for token in lowered.split():
        stripped = token.strip(_PUNCTUATION)
        found.update((token, stripped))
        local, at, domain = stripped.partition("@")
        if at:
            found.update((local, domain))
        found.update(_WORD_SPLIT.split(stripped))
    found.discard("")
    return found


def query_predicate(object_type: str, query: str) -> Predicate | None:
    """Every query term must be a word, or a word's prefix, of some default searchable property."""
    terms = query.lower().split()
    if not terms:
        return None
    names = SEARCHABLE[object_type]

    def matches(record: Record) -> bool:
        vocabulary: set[str] = set()
        for name in names:
            value = record.values.get(name)
            if value is not None:
                vocabulary |= words(value)
        return all(any(word.startswith(term) for word in vocabulary) for term in terms)

    return matches


def filter_predicate(catalog: Catalog, spec: Any) -> Predicate:
    """One filter of a group; malformed filters are HubSpot's 400 VALIDATION_ERROR."""
    if not isinstance(spec, dict) or not isinstance(spec.get("propertyName"), str):
        raise validation_error("Invalid filter: each filter needs a propertyName and an operator")
    name: str = spec["propertyName"]
    operator = spec.get("operator", "EQ")
    if operator not in OPERATORS:
        raise validation_error(f"Invalid filter operator {operator!r} for property {name}")
    positive = _NEGATED.get(operator)
    if positive is not None:
        inner = _positive(catalog, name, positive, spec)
        return lambda record: not inner(record)
    return _positive(catalog, name, operator, spec)


def _positive(catalog: Catalog, name: str, operator: str, spec: dict[str, Any]) -> Predicate:
    if operator == "HAS_PROPERTY":
        return lambda record: name in record.values
    if operator == "NOT_HAS_PROPERTY":
        return lambda record: name not in record.values
    if operator == "CONTAINS_TOKEN":
        return _contains_token(name, _text(spec, "value"))
    key = key_for(catalog, name)
    if operator == "IN":
        return _in(name, key, spec)
    wanted = key(_text(spec, "value"))
    if operator == "BETWEEN":
        high = key(_text(spec, "highValue"))
        return _compare(name, key, lambda v: wanted <= v <= high)
    comparisons: dict[str, Callable[[Any], bool]] = {
        "EQ": lambda v: v == wanted,
        "LT": lambda v: v < wanted,
        "LTE": lambda v: v <= wanted,
        "GT": lambda v: v > wanted,
        "GTE": lambda v: v >= wanted,
    }
    return _compare(name, key, comparisons[operator])


def _compare(name: str, key: Key, test: Callable[[Any], bool]) -> Predicate:
    def predicate(record: Record) -> bool:
        raw = record.values.get(name)
        if raw is None:
            return False
        value = key(raw)
        try:
            return value is not None and test(value)
        except TypeError:  # an unparsable filter value (None) never matches
            return False

    return predicate


def _in(name: str, key: Key, spec: dict[str, Any]) -> Predicate:
    values = spec.get("values")
    if not isinstance(values, list):
        raise validation_error(f"Invalid filter: IN/NOT_IN on {name} needs a list of values")
    # Strings: the record's lowercased value must equal one of the values as given.
    raw = key is str.lower
    allowed = {str(v) if raw else key(str(v)) for v in values}
    return _compare(name, key, lambda v: v in allowed)


def _contains_token(name: str, token: str) -> Predicate:
    pattern = re.compile(re.escape(token.lower()).replace(r"\*", ".*")) if "*" in token else None
    wanted = token.lower()

    def predicate(record: Record) -> bool:
        raw = record.values.get(name)
        if raw is None:
            return False
        found = words(raw)
        if pattern is None:
            return wanted in found
        return any(pattern.fullmatch(word) for word in found)

    return predicate


def _text(spec: dict[str, Any], field: str) -> str:
    value = spec.get(field)
    if value is None:
        raise validation_error(f"Invalid filter on {spec['propertyName']}: {field} is required")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
