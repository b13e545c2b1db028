"""What one portal has added to HubSpot's defaults: custom properties and deal pipelines.

Writes validate against the portal's *catalog*: HubSpot's default properties (``CATALOG``) plus the
portal's own, with the deal ``pipeline`` and ``dealstage`` enumerations widened to the portal's
pipelines. A ``dealstage`` must belong to the deal's pipeline, so a write that sets one is checked
against that pipeline's stages only (the pipeline in the same write, else the deal's current one,
else ``default``), the way HubSpot answers ``INVALID_OPTION`` for a stage of another pipeline.

Everything stored here is plain data (dataclasses of str/int/dict/list, and ``PropertyDef``), so a
serializer can persist it beside the records. A portal without additions answers the shared
``CATALOG`` dicts themselves, keeping the hot path free of copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sandbox.clock import iso_ms
from sandbox.crm.properties import CATALOG, PropertyDef
from schemas.hubspot_defaults import (
    DEFAULT_DEAL_STAGES,
    DEFAULT_PIPELINE_ID,
    DEFAULT_PIPELINE_LABEL,
    OBJECT_TYPE_IDS,
    Option,
)

#: HubSpot's default for a stage's ``writePermissions`` (the spec's enum is
#: ``CRM_PERMISSIONS_ENFORCEMENT | READ_ONLY | INTERNAL_ONLY``; ordinary stages enforce the
#: user's CRM permissions, the other two are for stages apps or HubSpot itself own).
WRITE_PERMISSIONS = "CRM_PERMISSIONS_ENFORCEMENT"


@dataclass(slots=True)
class StageDef:
    """A pipeline stage; ``metadata`` values are strings, as HubSpot answers them."""

    id: str
    label: str
    display_order: int
    metadata: dict[str, str]
    created_ms: int
    updated_ms: int

    def view(self) -> dict[str, Any]:
        """The Pipelines API's ``PipelineStage``."""
        return {
            "label": self.label,
            "displayOrder": self.display_order,
            "metadata": dict(self.metadata),
            "id": self.id,
            "createdAt": iso_ms(self.created_ms),
            "updatedAt": iso_ms(self.updated_ms),
            "archived": False,
            "writePermissions": WRITE_PERMISSIONS,
        }


@dataclass(slots=True)
class PipelineDef:
    """A deal pipeline and its stages in display order."""

    id: str
    label: str
    display_order: int
    stages: list[StageDef]
    created_ms: int
    updated_ms: int

    def view(self) -> dict[str, Any]:
        """The Pipelines API's ``Pipeline``."""
        return {
            "label": self.label,
            "displayOrder": self.display_order,
            "id": self.id,
            "stages": [stage.view() for stage in self.stages],
            "createdAt": iso_ms(self.created_ms),
            "updatedAt": iso_ms(self.updated_ms),
            "archived": False,
        }

    def stage_options(self) -> tuple[Option, ...]:
        """The stages as ``dealstage`` enumeration options."""
        return tuple(Option(s.id, s.label, s.display_order) for s in self.stages)


def _default_pipeline() -> PipelineDef:
    """Every portal's ``default`` pipeline; HubSpot dates defaults at epoch 0 (facts 5)."""
    stages = [
        StageDef(
            stage.id,
            stage.label,
            stage.display_order,
            {"isClosed": str(stage.is_closed).lower(), "probability": str(stage.probability)},
            0,
            0,
        )
        for stage in DEFAULT_DEAL_STAGES
    ]
    return PipelineDef(DEFAULT_PIPELINE_ID, DEFAULT_PIPELINE_LABEL, 0, stages, 0, 0)


DEFAULT_PIPELINE = _default_pipeline()


def _no_properties() -> dict[str, dict[str, PropertyDef]]:
    return {object_type: {} for object_type in OBJECT_TYPE_IDS}


@dataclass(slots=True)
class PortalSchema:
    """One portal's custom properties (by type, then name) and custom deal pipelines."""

    properties: dict[str, dict[str, PropertyDef]] = field(default_factory=_no_properties)
    pipelines: list[PipelineDef] = field(default_factory=list)

    def all_pipelines(self) -> list[PipelineDef]:
        """The default pipeline, then the portal's own in creation order."""
        return [DEFAULT_PIPELINE, *self.pipelines]

    def pipeline(self, pipeline_id: str) -> PipelineDef | None:
        """The pipeline with this id, if the portal has it."""
        for pipeline in self.all_pipelines():
            if pipeline.id == pipeline_id:
                return pipeline
        return None

    def catalog(self, object_type: str) -> Mapping[str, PropertyDef]:
        """Every property a record of ``object_type`` may have in this portal."""
        custom = self.properties[object_type]
        widen = object_type == "deals" and bool(self.pipelines)
        if not custom and not widen:
            return CATALOG[object_type]
        merged = {**CATALOG[object_type], **custom}
        if widen:
            pipelines = self.all_pipelines()
            merged["pipeline"] = replace(
                merged["pipeline"],
                options=tuple(Option(p.id, p.label, p.display_order) for p in pipelines),
            )
            stages = tuple(option for p in pipelines for option in p.stage_options())
            merged["dealstage"] = replace(merged["dealstage"], options=stages)
        return merged

    def write_catalog(
        self, object_type: str, raw: Any, current_pipeline: str | None = None
    ) -> Mapping[str, PropertyDef]:
        """The catalog a write is checked against: ``dealstage`` limited to its pipeline."""
        catalog = self.catalog(object_type)
        if object_type != "deals" or not isinstance(raw, Mapping) or "dealstage" not in raw:
            return catalog
        wanted = raw.get("pipeline")
        pipeline_id = wanted if isinstance(wanted, str) and wanted else current_pipeline
        pipeline = self.pipeline(pipeline_id or DEFAULT_PIPELINE_ID)
        if pipeline is None:
            return catalog
        narrowed = dict(catalog)
        narrowed["dealstage"] = replace(catalog["dealstage"], options=pipeline.stage_options())
        return narrowed
