"""Hypothesis strategies for tool inputs: every shape agents send, and ways to get them wrong.

``valid_inputs(tool)`` draws inputs the tool must accept (ids as ints or strings, properties as
lists or text, numbers as numbers or text, labels in any case, filter groups as lists or JSON).
``invalid_inputs(tool)`` takes one of those and breaks it in exactly one way the tool must refuse.
Each field is drawn according to its *kind*, named after the field (the names are consistent
across tools), so both strategies stay in step with the models.
"""

from __future__ import annotations

import json
from datetime import UTC, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from schemas.hubspot_defaults import ENUMERATIONS, Option
from schemas.tools import TOOLS
from schemas.tools.extras import ASSOCIATION_KEYS
from schemas.tools.filters import MAX_FILTERS, MAX_FILTERS_PER_GROUP, MAX_GROUPS, OPERATORS

#: Text without surrogates (JSON cannot carry them), at least one visible character.
#: Any UTF-8 text but NUL, which every input refuses (PostgreSQL cannot store it; DESIGN s6).
_TEXT = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=40
).filter(str.strip)
_PADDING = st.sampled_from(["", " ", "  ", "\t", "\n"])
_PROPERTY_NAME = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)
_EMAIL = st.emails(domains=st.from_regex(r"[a-z][a-z0-9-]{0,15}\.[a-z]{2,8}", fullmatch=True))
_WRONG_SCALARS = st.one_of(
    st.booleans(), st.integers(), st.floats(), st.lists(st.integers(), max_size=2)
)
_ZONES = [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9, minutes=30))]
_OBJECTS = st.dictionaries(st.sampled_from(["x", "y"]), st.integers(), min_size=1)


def padded(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """The same text with whitespace around it, which must not change anything."""
    return st.builds(lambda left, core, right: left + core + right, _PADDING, text, _PADDING)


def _any_case(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([text, text.lower(), text.upper(), text.title()])


def _option(options: tuple[Option, ...]) -> st.SearchStrategy[str]:
    known = st.sampled_from(options).flatmap(
        lambda option: st.sampled_from([option.value, option.label]).flatmap(_any_case)
    )
    return st.one_of(known, _PROPERTY_NAME)  # a portal's custom option goes through as given


def _record_id() -> st.SearchStrategy[object]:
    ids = st.integers(min_value=1, max_value=10**15)
    return st.one_of(ids, ids.map(str), padded(ids.map(str)))


def _property_names() -> st.SearchStrategy[object]:
    names = st.lists(_PROPERTY_NAME, min_size=1, max_size=6)
    return st.one_of(names, names.map(", ".join), names.map(",".join))


def _number(whole: bool) -> st.SearchStrategy[object]:
    ints = st.integers(min_value=0, max_value=10**15)
    if whole:
        return st.one_of(ints, ints.map(str), ints.map(float).filter(lambda f: f < 2**53))
    decimals = st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False)
    floats = st.floats(min_value=0, max_value=1e15, allow_nan=False, allow_infinity=False)
    return st.one_of(ints, ints.map(str), floats, decimals.map(str))


def _close_date() -> st.SearchStrategy[str]:
    dates = st.dates()
    moments = st.datetimes(timezones=st.sampled_from([None, *_ZONES]))
    return st.one_of(dates.map(str), moments.map(lambda moment: moment.isoformat()))


def _scalar() -> st.SearchStrategy[object]:
    return st.one_of(_TEXT, st.integers(-(10**12), 10**12), st.booleans(), st.floats(-1e9, 1e9))


@st.composite
def _filter(draw: st.DrawFn) -> dict[str, object]:
    operator = draw(st.sampled_from(OPERATORS).flatmap(_any_case))
    condition: dict[str, object] = {"propertyName": draw(_PROPERTY_NAME), "operator": operator}
    kind = operator.upper()
    if kind in {"IN", "NOT_IN"}:
        condition["values"] = draw(st.lists(_scalar(), min_size=1, max_size=4))
    elif kind == "BETWEEN":
        condition["value"], condition["highValue"] = draw(_scalar()), draw(_scalar())
    elif kind not in {"HAS_PROPERTY", "NOT_HAS_PROPERTY"}:
        condition["value"] = draw(_scalar())
    return condition


@st.composite
def filter_groups(draw: st.DrawFn) -> list[dict[str, object]]:
    """1-5 groups of 1-6 filters, at most 18 in all."""
    count = draw(st.integers(1, MAX_GROUPS))
    budget = MAX_FILTERS
    groups: list[dict[str, object]] = []
    for index in range(count):
        later = count - index - 1
        size = draw(st.integers(1, min(MAX_FILTERS_PER_GROUP, budget - later)))
        budget -= size
        groups.append({"filters": draw(st.lists(_filter(), min_size=size, max_size=size))})
    return groups


def _filter_groups_shapes() -> st.SearchStrategy[object]:
    groups = filter_groups()
    return st.one_of(groups, groups.map(json.dumps), _filter().map(lambda f: {"filters": [f]}))


# --- Valid inputs ------------------------------------------------------------------------------

_ENUM_FIELDS = {name for properties in ENUMERATIONS.values() for name in properties}
_KINDS = {
    "email": "email", "contact_id": "contact_ref", "company_id": "record_id",
    "deal_id": "record_id", "limit": "limit", "after": "cursor", "properties": "properties",
    "archived": "bool", "filterGroups": "filter_groups", "query": "text", "amount": "number",
    "annualrevenue": "number", "numberofemployees": "count", "closedate": "date",
}  # fmt: skip


def field_kind(tool: str, field: str) -> str:
    """What a field holds, from its name (names mean the same thing in every tool)."""
    if field in _ENUM_FIELDS:
        return "enum"
    if field == "properties" and TOOLS[tool].kind != "read":
        return "extra_properties"
    if field == "associations":
        return "associations"
    if field == "after" and tool.endswith("_search"):
        return "search_cursor"
    return _KINDS.get(field, "text")


def fields_of(tool: str) -> dict[str, bool]:
    """``{field name as sent: required}`` of a tool's input, in order."""
    model = TOOLS[tool].input_model
    return {info.alias or name: info.is_required() for name, info in model.model_fields.items()}


def _page_size(tool: str) -> int:
    return 100 if tool == "hubspot_contacts_list" else 200


def _extra_properties(tool: str) -> st.SearchStrategy[object]:
    """Further properties: names no named field has, scalar values (issue 12)."""
    named = set(fields_of(tool))
    names = _PROPERTY_NAME.filter(lambda name: name not in named)
    values = st.one_of(padded(_TEXT), st.integers(-(10**9), 10**9), st.booleans())
    return st.dictionaries(names, values, min_size=1, max_size=4)


def _associations(tool: str) -> st.SearchStrategy[object]:
    """Links to records of the other two object types."""
    own = TOOLS[tool].object_type
    keys = [k for k, t in ASSOCIATION_KEYS.items() if t != own]
    ids = st.lists(_record_id(), min_size=1, max_size=3)
    return st.fixed_dictionaries({}, optional={key: ids for key in keys})


def valid_value(tool: str, field: str) -> st.SearchStrategy[object]:
    """Any value of ``field`` the tool must accept, in any of the shapes agents send."""
    kind = field_kind(tool, field)
    if kind == "extra_properties":
        return _extra_properties(tool)
    if kind == "associations":
        return _associations(tool)
    if kind == "enum":
        return padded(_option(ENUMERATIONS[TOOLS[tool].object_type][field]))
    if kind == "limit":
        sizes = st.integers(1, _page_size(tool))
        return st.one_of(sizes, sizes.map(str), sizes.map(float))
    if kind == "contact_ref":
        return st.one_of(_record_id(), padded(_EMAIL))
    cursors = st.integers(0, 10**9)
    by_kind: dict[str, st.SearchStrategy[Any]] = {
        "text": padded(_TEXT),
        "email": padded(_EMAIL),
        "record_id": _record_id(),
        "search_cursor": st.one_of(cursors, cursors.map(str)),
        "cursor": st.one_of(cursors, padded(_TEXT)),
        "properties": _property_names(),
        "bool": st.one_of(st.booleans(), st.sampled_from(["true", "false"])),
        "filter_groups": _filter_groups_shapes(),
        "number": _number(whole=False),
        "count": _number(whole=True),
        "date": _close_date(),
    }
    return by_kind[kind]


def _optional_value(tool: str, field: str) -> st.SearchStrategy[object]:
    """An optional field may also be sent as null or blank, which means "not given"."""
    return st.one_of(valid_value(tool, field), st.sampled_from([None, "", " "]))


def _changes_something(tool: str, raw: dict[str, object]) -> bool:
    id_field = next(iter(fields_of(tool)))
    return any(
        key != id_field and not (value is None or (isinstance(value, str) and not value.strip()))
        for key, value in raw.items()
    )


def valid_inputs(tool: str) -> st.SearchStrategy[dict[str, object]]:
    """Inputs ``tool`` must accept."""
    fields = fields_of(tool)
    inputs = st.fixed_dictionaries(
        {name: valid_value(tool, name) for name, required in fields.items() if required},
        optional={
            name: _optional_value(tool, name) for name, required in fields.items() if not required
        },
    )
    if TOOLS[tool].kind == "update":
        return inputs.filter(lambda raw: _changes_something(tool, raw))
    return inputs


# --- Invalid inputs ----------------------------------------------------------------------------

_LETTERS = st.from_regex(r"[0-9]*[a-z][0-9a-z]*", fullmatch=True)
_WORDS = st.from_regex(r"[a-z]+", fullmatch=True)
_BLANK = st.sampled_from(["", " ", "\t\n"])
_NOT_TEXT = st.one_of(_WRONG_SCALARS, _OBJECTS)
_BAD_NUMBERS = st.one_of(
    st.integers(max_value=-1),
    st.floats(max_value=-1e-6),
    st.sampled_from([float("nan"), float("inf"), "NaN", "-Infinity", "1e40", True, False]),
    _WORDS,  # no digits: "1e5" is a number
    st.lists(st.integers(), max_size=2),
    _OBJECTS,
)


def _bad_filter_groups() -> st.SearchStrategy[object]:
    condition = st.fixed_dictionaries(
        {"propertyName": _PROPERTY_NAME, "operator": st.just("EQ"), "value": _TEXT}
    )
    bad_operator = _filter().flatmap(
        lambda f: _LETTERS.filter(lambda op: op.upper() not in OPERATORS).map(
            lambda op: [{"filters": [{**f, "operator": op}]}]
        )
    )
    wrong_operands = _filter().map(
        lambda f: [
            {"filters": [{**f, "values": ["1"]} if "values" not in f else {**f, "values": None}]}
        ]
    )
    too_many_in_a_group = st.lists(condition, min_size=MAX_FILTERS_PER_GROUP + 1, max_size=9).map(
        lambda filters: [{"filters": filters}]
    )
    too_many_groups = st.lists(
        condition.map(lambda f: {"filters": [f]}), min_size=MAX_GROUPS + 1, max_size=8
    )
    too_many_in_all = st.just(
        [{"filters": [{"propertyName": "a", "operator": "EQ", "value": "1"}] * 6}] * 3
    ).map(
        lambda groups: [*groups, {"filters": [{"propertyName": "b", "operator": "HAS_PROPERTY"}]}]
    )
    empty_group: st.SearchStrategy[object] = st.just([{"filters": []}])
    return st.one_of(
        bad_operator,
        wrong_operands,
        too_many_in_a_group,
        too_many_groups,
        too_many_in_all,
        too_many_in_all.map(json.dumps),
        empty_group,
        st.integers(),
        st.booleans(),
        _LETTERS.filter(lambda text: text != "null"),  # JSON null means "no filters"
        st.lists(st.integers(), min_size=1, max_size=3),
        _OBJECTS,
    )


def invalid_value(tool: str, field: str) -> st.SearchStrategy[object]:
    """A value of ``field`` the tool must refuse."""
    kind = field_kind(tool, field)
    ids = st.one_of(st.booleans(), st.integers(max_value=0), st.floats(), _LETTERS, _OBJECTS)
    by_kind: dict[str, st.SearchStrategy[Any]] = {
        "text": _NOT_TEXT,
        "enum": _NOT_TEXT,
        "email": st.one_of(
            _NOT_TEXT, _LETTERS, st.sampled_from(["a@", "@b.co", "a@b", "a b@c.de"])
        ),
        "record_id": ids,
        "contact_ref": st.one_of(ids, st.sampled_from(["a@", "jane@localhost"])),
        "limit": st.one_of(
            st.integers(max_value=0),
            st.integers(min_value=_page_size(tool) + 1),
            st.floats().filter(lambda f: not f.is_integer()),
            st.booleans(),
            _LETTERS,
            _OBJECTS,
        ),
        "cursor": st.one_of(st.booleans(), st.integers(max_value=-1), st.floats(), _OBJECTS),
        "search_cursor": st.one_of(st.booleans(), st.integers(max_value=-1), _LETTERS, _OBJECTS),
        "extra_properties": st.one_of(
            _WRONG_SCALARS,
            st.sampled_from([{"first name": "x"}, {"a-b": 1}, {"ok_name": {"nested": 1}}]),
        ),
        "associations": st.one_of(
            _WRONG_SCALARS,
            st.sampled_from([{"bogus_ids": ["1"]}, {"deal_ids": ["x"]}, {"deal_ids": "1"}]),
        ),
        "properties": st.one_of(
            _WRONG_SCALARS.filter(lambda v: v != []),
            _OBJECTS,
            st.lists(st.integers(), min_size=1, max_size=3),
            st.sampled_from(["first name", "a-b", "email,last.name", "1abc"]),
        ),
        "bool": st.one_of(st.integers(min_value=2), st.sampled_from(["maybe", "2"]), _OBJECTS),
        "filter_groups": _bad_filter_groups(),
        "number": _BAD_NUMBERS,
        "count": st.one_of(_BAD_NUMBERS, st.sampled_from([1.5, "2.25"])),
        "date": st.one_of(
            _LETTERS,
            st.integers(),
            st.booleans(),
            st.sampled_from(["2026-02-30", "2026-13-01", "30/06/2026", "2026-06-30T25:00"]),
        ),
    }
    if field == "query":
        return st.one_of(_NOT_TEXT, st.just("q" * 3001))
    return by_kind[kind]


def _extra_field(tool: str) -> st.SearchStrategy[str]:
    model = TOOLS[tool].input_model
    known = set(fields_of(tool)) | set(model.model_fields)
    return st.from_regex(r"[a-z][a-z_]{0,15}", fullmatch=True).filter(lambda key: key not in known)


@st.composite
def invalid_inputs(draw: st.DrawFn, tool: str) -> dict[str, object]:
    """A valid input of ``tool`` broken in one way the tool must refuse."""
    raw = dict(draw(valid_inputs(tool)))
    fields = fields_of(tool)
    required = [name for name, needed in fields.items() if needed]
    defects = ["wrong_value", "extra_field"]
    defects += ["missing_required", "required_blank"] if required else []
    defects += ["nothing_to_update"] if TOOLS[tool].kind == "update" else []
    defect = draw(st.sampled_from(defects))
    if defect == "wrong_value":
        field = draw(st.sampled_from(list(fields)))
        raw[field] = draw(invalid_value(tool, field))
    elif defect == "extra_field":
        raw[draw(_extra_field(tool))] = draw(_scalar())
    elif defect == "missing_required":
        del raw[draw(st.sampled_from(required))]
    elif defect == "required_blank":
        raw[draw(st.sampled_from(required))] = draw(st.one_of(_BLANK, st.none()))
    else:
        raw = {required[0]: raw[required[0]]}
    return raw
