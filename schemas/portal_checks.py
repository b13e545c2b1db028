"""Checking a create or update against the portal's cached schema before it is accepted.

DESIGN.md section 13: enumeration values are matched by internal value or label, any case, and
sent as the internal value; a value that matches nothing, a read-only property or an unknown
name in ``properties`` is refused with everything an agent needs to fix the call in one step
(the field, the valid options as ``label (value)`` pairs, the closest names).

What is checked against what:

* ``pipeline``: the portal's pipelines (ids or labels).
* ``dealstage``: the stages of the deal's pipeline. An update that names no pipeline is checked
  against the stages of *all* pipelines (the deal's own pipeline is not looked up: that would
  be a HubSpot call on the request path); a label shared by stages of several pipelines is then
  refused as ambiguous, asking for the stage id or the pipeline.
* every other enumeration (``lifecyclestage``, ``hs_lead_status``, ``industry``, ``dealtype``,
  ``hs_priority``, custom ones): the property's options; multiple checkboxes per ``;`` part.

A part of the schema that was not fetched checks nothing (HubSpot decides). Pure: no I/O.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from core.errors import InvalidRequest
from schemas.hubspot_defaults import Option
from schemas.portal import PortalSchema, PropertyInfo
from schemas.tools.base import PropertiesInput, ToolInput
from schemas.tools.spec import ToolSpec

#: Most options an error lists (an LLM needs the choices, not a 500-line list).
MAX_OPTIONS_SHOWN = 30
#: Most "did you mean" names for an unknown property.
MAX_CLOSEST = 5


class InvalidPropertyValue(InvalidRequest):
    """A value the portal does not accept for the property (or a read-only property)."""

    code = "invalid_property_value"


class UnknownProperty(InvalidRequest):
    """A name in ``properties`` that the portal has no property of."""

    code = "unknown_property"


def _squashed(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def match_option(options: Iterable[Option], text: str) -> list[str]:
    """The internal values ``text`` may mean: by value first, then by label, then loosely.

    One value is a match, none is no match, several is an ambiguous label.
    """
    options = list(options)
    for key in (str.casefold, _squashed):
        wanted = key(text)
        by_value = [o.value for o in options if key(o.value) == wanted]
        if by_value:
            return by_value[:1]
        by_label = list(dict.fromkeys(o.value for o in options if key(o.label) == wanted))
        if by_label:
            return by_label
    return []


def options_text(options: Iterable[Option]) -> str:
    """``Label (value), ...`` capped at ``MAX_OPTIONS_SHOWN``, saying how many more there are."""
    options = list(options)
    shown = ", ".join(f"{o.label} ({o.value})" for o in options[:MAX_OPTIONS_SHOWN])
    hidden = len(options) - MAX_OPTIONS_SHOWN
    return f"{shown}, ... and {hidden} more" if hidden > 0 else shown


def _options_detail(options: Iterable[Option]) -> list[dict[str, str]]:
    return [{"value": o.value, "label": o.label} for o in list(options)[:MAX_OPTIONS_SHOWN]]


def _refuse(field: str, text: str, what: str, options: tuple[Option, ...]) -> InvalidPropertyValue:
    return InvalidPropertyValue(
        f'{field} "{text}" is not {what}: {options_text(options)}',
        field=field,
        value=text,
        options=_options_detail(options),
    )


def _one(field: str, text: str, what: str, options: tuple[Option, ...]) -> str:
    found = match_option(options, text)
    if not found:
        raise _refuse(field, text, what, options)
    if len(found) > 1:
        raise InvalidPropertyValue(
            f'{field} "{text}" names stages of several pipelines ({", ".join(found)}); give the '
            "stage id, or the pipeline with it",
            field=field,
            value=text,
            options=[{"value": v, "label": text} for v in found],
        )
    return found[0]


class _Checker:
    """Checks one input's properties; ``pipeline`` is resolved first, for ``dealstage``."""

    def __init__(self, schema: PortalSchema, spec: ToolSpec, values: dict[str, str]) -> None:
        self.schema = schema
        self.spec = spec
        self.values = values
        self.known = schema.properties.get(spec.object_type)

    def pipeline_options(self) -> tuple[Option, ...]:
        return tuple(Option(p.id, p.label, i) for i, p in enumerate(self.schema.pipelines or ()))

    def stage_options(self, pipeline_id: str | None) -> tuple[tuple[Option, ...], str]:
        """The stages a ``dealstage`` may name, and how the error should call them."""
        for pipeline in self.schema.pipelines or ():
            if pipeline.id == pipeline_id:
                return pipeline.stages, f'a stage of pipeline "{pipeline.id}"'
        return self.schema.all_stages(), "a stage of any pipeline"

    def check(self, name: str, text: str, pipeline_id: str | None) -> str:
        definition = self.known.get(name) if self.known is not None else None
        if definition is not None and definition.read_only:
            raise InvalidPropertyValue(
                f"{name} is read-only in this portal (HubSpot calculates it); leave it out",
                field=name,
            )
        is_deal = self.spec.object_type == "deals"
        if is_deal and name == "pipeline" and self.schema.pipelines is not None:
            return _one(name, text, "a pipeline of this portal", self.pipeline_options())
        if is_deal and name == "dealstage" and self.schema.pipelines is not None:
            options, what = self.stage_options(pipeline_id)
            return _one(name, text, what, options)
        if definition is None or not definition.is_enumeration or not definition.options:
            return text
        return self._enumeration(definition, text)

    @staticmethod
    def _enumeration(definition: PropertyInfo, text: str) -> str:
        what = f"an option of {definition.name}"
        if not definition.is_multi_select:
            return _one(definition.name, text, what, definition.options)
        parts = [part.strip() for part in text.split(";") if part.strip()]
        return ";".join(_one(definition.name, part, what, definition.options) for part in parts)


def unknown_property(name: str, known: Iterable[PropertyInfo], object_type: str) -> UnknownProperty:
    """The error for a name the portal lacks, with the closest names (by name or label)."""
    by_key: dict[str, str] = {}
    for info in known:
        by_key.setdefault(info.name.casefold(), info.name)
        by_key.setdefault(info.label.casefold(), info.name)
    close = difflib.get_close_matches(name.casefold(), list(by_key), n=MAX_CLOSEST * 2)
    closest = list(dict.fromkeys(by_key[key] for key in close))[:MAX_CLOSEST]
    hint = f"; closest: {', '.join(closest)}" if closest else ""
    return UnknownProperty(
        f"properties.{name}: {object_type} in this portal have no property {name!r}{hint}",
        field=f"properties.{name}",
        closest=closest,
    )


def check_portal_input(schema: PortalSchema, spec: ToolSpec, model: ToolInput) -> ToolInput:
    """``model`` with enumeration values replaced by internal ones, or a 422 saying what is wrong.

    Inputs of read tools (and parts of the schema not fetched) pass unchanged.
    """
    if not isinstance(model, PropertiesInput):
        return model
    checker = _Checker(schema, spec, model.hubspot_properties())
    extras = dict(model.properties or {})
    if checker.known is not None:
        for name in extras:
            if name not in checker.known:
                raise unknown_property(name, checker.known.values(), spec.object_type)
    named = model.named_properties()
    pipeline_text = named.get("pipeline") or extras.get("pipeline")
    pipeline = checker.check("pipeline", pipeline_text, None) if pipeline_text else None
    updates: dict[str, object] = {}
    for name, text in named.items():
        new = pipeline if name == "pipeline" else checker.check(name, text, pipeline)
        if new != text:
            updates[name] = new
    new_extras = {
        name: pipeline if name == "pipeline" and pipeline else checker.check(name, text, pipeline)
        for name, text in extras.items()
    }
    if new_extras != extras:
        updates["properties"] = new_extras
    return model.model_copy(update=updates) if updates else model
