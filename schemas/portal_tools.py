"""The tool catalog as one portal sees it: enumeration fields list that portal's options.

``GET /v1/tools?identifier=X`` (and ``get_tools(identifier=...)``) serve it, so a model picks a
stage that exists in the user's portal instead of guessing from the defaults (DESIGN.md section
13). Each named enumeration field of a create/update tool gets ``enum`` (the internal values,
which is what a model should send; labels are still accepted) and its description lists
``label (value)`` pairs; ``dealstage`` lists the stages of every pipeline, ``pipeline`` the
pipelines. ``properties`` names the portal's writable custom properties. Parts of the schema not
fetched leave the catalog's fields as they are. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

from schemas.hubspot_defaults import Option
from schemas.portal import PortalSchema, PropertyInfo
from schemas.portal_checks import options_text
from schemas.tools import TOOLS, tool_catalog

#: Most custom property names listed in a ``properties`` description.
MAX_CUSTOM_LISTED = 40


def _enum_field(field: dict[str, Any], options: tuple[Option, ...], what: str) -> dict[str, Any]:
    described = field.get("description", "")
    kept = {k: v for k, v in field.items() if k in ("title", "default") and v is not None}
    return {
        **kept,
        "type": "string",
        "enum": list(dict.fromkeys(o.value for o in options)),
        "description": f"{described} This portal's {what}: {options_text(options)}.".strip(),
    }


def _stages_text(schema: PortalSchema) -> str:
    return "; ".join(
        f"pipeline {p.label} ({p.id}): {options_text(p.stages)}" for p in schema.pipelines or ()
    )


def _field_options(
    schema: PortalSchema, object_type: str, name: str
) -> tuple[tuple[Option, ...], str] | None:
    """The options a named field may take in this portal, or None to leave it as it is."""
    if object_type == "deals" and schema.pipelines is not None:
        if name == "pipeline":
            pipelines = tuple(Option(p.id, p.label, i) for i, p in enumerate(schema.pipelines))
            return pipelines, "pipelines"
        if name == "dealstage":
            return schema.all_stages(), "stages"
    info = schema.properties.get(object_type, {}).get(name)
    if info is None or not info.is_enumeration or not info.options or info.is_multi_select:
        return None
    return info.options, "options"


def _custom_properties(known: dict[str, PropertyInfo], named: set[str]) -> str:
    """Writable properties beyond the named fields, custom ones first (HubSpot's start hs_)."""
    writable = [p for p in known.values() if not p.read_only and p.name not in named]
    writable.sort(key=lambda p: (p.name.startswith("hs_"), p.name))
    listed = ", ".join(f"{p.name} ({p.label}, {p.type})" for p in writable[:MAX_CUSTOM_LISTED])
    more = len(writable) - MAX_CUSTOM_LISTED
    return listed + (f", ... and {more} more" if more > 0 else "")


def _portal_tool(tool: dict[str, Any], schema: PortalSchema) -> dict[str, Any]:
    spec = TOOLS[tool["name"]]
    if spec.kind == "read":
        return tool
    fields: dict[str, Any] = tool["input_schema"]["properties"]
    for name, field in list(fields.items()):
        found = _field_options(schema, spec.object_type, name)
        if found is not None:
            fields[name] = _enum_field(field, *found)
            if name == "dealstage" and schema.pipelines:
                fields[name]["description"] = (
                    f"{field.get('description', '')} This portal's stages by pipeline: "
                    f"{_stages_text(schema)}."
                ).strip()
    known = dict(schema.properties.get(spec.object_type, {}))
    if known and "properties" in fields:
        custom = _custom_properties(known, set(fields))
        if custom:
            fields["properties"]["description"] += f" This portal's other properties: {custom}."
    return tool


def portal_tool_catalog(schema: PortalSchema | None) -> list[dict[str, Any]]:
    """``tool_catalog()`` with this portal's options; the plain catalog without a schema."""
    catalog = tool_catalog()
    if schema is None:
        return catalog
    return [_portal_tool(tool, schema) for tool in catalog]
