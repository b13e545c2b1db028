"""One portal's schema as the tools need it: property definitions and deal pipelines.

HubSpot's answers (``GET /crm/v3/properties/{type}``, ``GET /crm/v3/pipelines/deals``) are large:
descriptions, groups, audit dates. The cache keeps only what validation and the portal-specific
tool schemas read (name, label, type, field type, read-only, options; pipelines with their
stages), as a JSON document that ``PortalSchema.from_document`` reads back. A part that could not
be fetched (the grant lacks the scope) is absent from the document, and nothing is checked
against it: HubSpot decides, as without a cache.

Pure: no I/O. The worker builds documents (``worker.portal_schema``), the store keeps them
(``store.portal_schemas``), the producer checks submissions against them
(``schemas.portal_checks``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.hubspot_defaults import Option

#: The object types whose properties are cached (those the tools write).
OBJECT_TYPES = ("contacts", "companies", "deals")

#: Bumped when the document's shape changes; an older document is treated as absent.
DOCUMENT_VERSION = 1


@dataclass(frozen=True, slots=True)
class PropertyInfo:
    """One property definition: what may be written to it, and which values it takes."""

    name: str
    label: str
    type: str
    field_type: str
    read_only: bool
    options: tuple[Option, ...] = ()

    @property
    def is_enumeration(self) -> bool:
        return self.type == "enumeration"

    @property
    def is_multi_select(self) -> bool:
        """Multiple checkboxes: several options joined with ``;``."""
        return self.is_enumeration and self.field_type == "checkbox"


@dataclass(frozen=True, slots=True)
class PipelineInfo:
    """A deal pipeline and its stages (as options: id and label)."""

    id: str
    label: str
    stages: tuple[Option, ...]


@dataclass(frozen=True)
class PortalSchema:
    """What is known about one portal; ``None``/missing parts were not fetched."""

    properties: Mapping[str, Mapping[str, PropertyInfo]] = field(default_factory=dict)
    pipelines: tuple[PipelineInfo, ...] | None = None

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> PortalSchema | None:
        """The schema a cached document holds; None for a document of another version."""
        if document.get("version") != DOCUMENT_VERSION:
            return None
        properties = {
            object_type: {p["name"]: _property(p) for p in items}
            for object_type, items in dict(document.get("properties") or {}).items()
        }
        raw_pipelines = document.get("pipelines")
        pipelines = (
            None
            if raw_pipelines is None
            else tuple(
                PipelineInfo(p["id"], p["label"], _options(p["stages"])) for p in raw_pipelines
            )
        )
        return cls(properties=properties, pipelines=pipelines)

    def all_stages(self) -> tuple[Option, ...]:
        """Every stage of every pipeline, each id once (for a deal update without pipeline)."""
        seen: dict[str, Option] = {}
        for pipeline in self.pipelines or ():
            for stage in pipeline.stages:
                seen.setdefault(stage.value, stage)
        return tuple(seen.values())


def new_document(
    properties: Mapping[str, list[dict[str, Any]]], pipelines: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """The cache document for compacted parts (see ``compact_properties``/``compact_pipelines``)."""
    document: dict[str, Any] = {"version": DOCUMENT_VERSION, "properties": dict(properties)}
    if pipelines is not None:
        document["pipelines"] = pipelines
    return document


def compact_properties(body: Any) -> list[dict[str, Any]]:
    """HubSpot's ``{"results": [Property]}`` reduced to what the cache keeps.

    Read-only means ``modificationMetadata.readOnlyValue`` (HubSpot's own flag, set on calculated
    and bookkeeping properties) or ``calculated``. Archived definitions are dropped.
    """
    results = body.get("results", []) if isinstance(body, Mapping) else []
    kept: list[dict[str, Any]] = []
    for item in results:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            continue
        if item.get("archived"):
            continue
        metadata = item.get("modificationMetadata") or {}
        kept.append(
            {
                "name": item["name"],
                "label": str(item.get("label") or item["name"]),
                "type": str(item.get("type") or "string"),
                "field_type": str(item.get("fieldType") or "text"),
                "read_only": bool(metadata.get("readOnlyValue") or item.get("calculated")),
                "options": [
                    [str(o["value"]), str(o.get("label") or o["value"])]
                    for o in item.get("options") or []
                    if isinstance(o, Mapping) and "value" in o
                ],
            }
        )
    return kept


def compact_pipelines(body: Any) -> list[dict[str, Any]]:
    """HubSpot's ``{"results": [Pipeline]}`` reduced to ids and labels, in display order."""
    results = body.get("results", []) if isinstance(body, Mapping) else []
    pipelines = sorted(
        (p for p in results if isinstance(p, Mapping) and not p.get("archived") and "id" in p),
        key=lambda p: p.get("displayOrder", 0),
    )
    return [
        {
            "id": str(p["id"]),
            "label": str(p.get("label") or p["id"]),
            "stages": [
                [str(s["id"]), str(s.get("label") or s["id"])]
                for s in sorted(p.get("stages") or [], key=lambda s: s.get("displayOrder", 0))
                if isinstance(s, Mapping) and not s.get("archived") and "id" in s
            ],
        }
        for p in pipelines
    ]


def _options(pairs: list[list[str]]) -> tuple[Option, ...]:
    return tuple(Option(value, label, i) for i, (value, label) in enumerate(pairs))


def _property(item: Mapping[str, Any]) -> PropertyInfo:
    return PropertyInfo(
        name=item["name"],
        label=item["label"],
        type=item["type"],
        field_type=item["field_type"],
        read_only=bool(item["read_only"]),
        options=_options(item.get("options") or []),
    )
