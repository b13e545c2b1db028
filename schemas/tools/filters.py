"""Search filters: HubSpot's ``filterGroups``, checked before they cost a search request.

Groups are ORed, the filters inside a group ANDed. HubSpot allows at most 5 groups of 6 filters
and 18 filters in all, and each operator takes its own operands; we refuse what HubSpot would
refuse, with a message that says which filter and why, so the agent can fix its call at once.
Values go to HubSpot as strings (``50000`` -> ``"50000"``), which is what its search API expects.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from schemas.tools.values import (
    decimal,
    decimal_text,
    fail,
    optional_text,
    required_text,
    type_name,
)

Operator = Literal[
    "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
    "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
]  # fmt: skip
OPERATORS: tuple[str, ...] = get_args(Operator)

#: HubSpot's search limits (hubspot-facts.md section 3).
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18

_LIST_OPERATORS = frozenset({"IN", "NOT_IN"})
_PRESENCE_OPERATORS = frozenset({"HAS_PROPERTY", "NOT_HAS_PROPERTY"})


def _operator(value: object) -> str:
    text = required_text(value).upper()
    if text not in OPERATORS:
        fail("operator", f"{text!r:.40} is not an operator; use one of {', '.join(OPERATORS)}")
    return text


def _filter_value(value: object) -> str | None:
    """One operand as HubSpot's string: text trimmed, numbers as decimals, booleans lowercase."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return decimal_text(decimal(value))
    return optional_text(value)


def _filter_values(value: object) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        fail("values_type", f"must be a list of values, got {type_name(value)}")
    items = [_filter_value(item) for item in value]
    return [item for item in items if item is not None] or None


_SCALAR_SCHEMA: dict[str, Any] = {"type": ["string", "number", "boolean"]}

FilterValue = Annotated[str | None, BeforeValidator(_filter_value), WithJsonSchema(_SCALAR_SCHEMA)]
FilterValues = Annotated[
    list[str] | None,
    BeforeValidator(_filter_values),
    WithJsonSchema({"type": "array", "items": _SCALAR_SCHEMA, "minItems": 1}),
]


class Filter(BaseModel):
    """One condition on one property."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True)

    property_name: Annotated[str, BeforeValidator(required_text)] = Field(
        alias="propertyName", description="Internal name of the property to test, e.g. 'email'."
    )
    operator: Annotated[Operator, BeforeValidator(_operator)] = Field(
        description="How to compare. BETWEEN needs value and highValue; IN and NOT_IN need "
        "values; HAS_PROPERTY and NOT_HAS_PROPERTY take no value; the others take value."
    )
    value: FilterValue = Field(None, description="The value to compare with.")
    high_value: FilterValue = Field(
        None, alias="highValue", description="Upper bound for BETWEEN (value is the lower)."
    )
    values: FilterValues = Field(None, description="The values for IN and NOT_IN.")

    @model_validator(mode="after")
    def _operands_fit_operator(self) -> Self:
        """Each operator takes exactly its operands; anything else HubSpot would refuse."""
        given = {
            name
            for name, present in (
                ("value", self.value is not None),
                ("highValue", self.high_value is not None),
                ("values", self.values is not None),
            )
            if present
        }
        if self.operator in _PRESENCE_OPERATORS:
            needed: set[str] = set()
        elif self.operator in _LIST_OPERATORS:
            needed = {"values"}
        elif self.operator == "BETWEEN":
            needed = {"value", "highValue"}
        else:
            needed = {"value"}
        if given != needed:
            fail("operands", _operand_problem(self.operator, needed, given))
        return self


def _operand_problem(operator: str, needed: set[str], given: set[str]) -> str:
    wanted = " and ".join(sorted(needed)) or "no value"
    problems = [f"missing {name}" for name in sorted(needed - given)]
    problems += [f"unexpected {name}" for name in sorted(given - needed)]
    return f"{operator} takes {wanted} ({', '.join(problems)})"


class FilterGroup(BaseModel):
    """Filters that must all match (AND)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    filters: list[Filter] = Field(
        min_length=1,
        max_length=MAX_FILTERS_PER_GROUP,
        description=f"1 to {MAX_FILTERS_PER_GROUP} filters, all of which must match.",
    )


def _groups_from_json(value: object) -> object:
    """Accept a JSON string (as DESIGN.md's example sends) or a single group object."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as exc:
            fail("filter_groups_json", f"is not valid JSON ({exc})")
    if isinstance(value, dict):
        return [value]
    if not (value is None or isinstance(value, list | tuple)):
        fail(
            "filter_groups_type",
            f"must be a list of filter groups or a JSON string, got {type_name(value)}",
        )
    if value and len(value) > MAX_GROUPS:  # before validating each of perhaps thousands
        fail("too_many_groups", f"at most {MAX_GROUPS} filter groups are allowed, got {len(value)}")
    return value or None


def _within_limits(groups: list[FilterGroup] | None) -> list[FilterGroup] | None:
    """At most 18 filters in all (the group count was checked before parsing them)."""
    if groups is None:
        return None
    total = sum(len(group.filters) for group in groups)
    if total > MAX_FILTERS:
        fail("too_many_filters", f"at most {MAX_FILTERS} filters in all are allowed, got {total}")
    return groups


def _also_json_text(schema: dict[str, Any]) -> None:
    """State in the schema that the groups may come as JSON text, as DESIGN.md's example sends."""
    schema.setdefault("anyOf", []).append(
        {"type": "string", "contentMediaType": "application/json"}
    )


FilterGroups = Annotated[
    list[FilterGroup] | None,
    BeforeValidator(_groups_from_json),
    AfterValidator(_within_limits),
    Field(json_schema_extra=_also_json_text),
]
