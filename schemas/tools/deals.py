"""Deals: create and update.

A deal always belongs to a pipeline and a stage of it. A create without a pipeline goes to the
portal's default one (``default``), stated explicitly in the request so that what we store as the
job's input is exactly what HubSpot was asked.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from schemas.hubspot_defaults import DEAL_PRIORITIES, DEAL_STAGES, DEAL_TYPES, DEFAULT_PIPELINE_ID
from schemas.tools.base import CreateInput, LinkedRecords, MoreProperties, UpdateInput
from schemas.tools.dates import CloseDate
from schemas.tools.enums import (
    DealPriority,
    DealStage,
    DealType,
    Pipeline,
    PipelineOrDefault,
    RequiredDealStage,
    options_hint,
)
from schemas.tools.fields import Amount, RecordId, RequiredText, Text
from schemas.tools.request import ObjectType

_STAGE_HELP = (
    "Deal stage id; in the default pipeline a value or label, any case: "
    f"{options_hint(DEAL_STAGES)}. Other pipelines: the stage's internal id."
)
_PIPELINE_HELP = (
    f"Pipeline id; '{DEFAULT_PIPELINE_ID}' is every portal's default pipeline ('Sales Pipeline')."
)

DealName = Annotated[Text, Field(description="Deal name.")]
StageField = Annotated[DealStage, Field(description=_STAGE_HELP)]
AmountField = Annotated[
    Amount,
    Field(description="Deal amount: a number or a numeric string, e.g. 75000 or '75000.50'."),
]
CloseDateField = Annotated[
    CloseDate,
    Field(
        description="Expected close date, YYYY-MM-DD (an ISO datetime is accepted; its date "
        "is used)."
    ),
]
PipelineField = Annotated[Pipeline, Field(description=_PIPELINE_HELP)]
DealTypeField = Annotated[
    DealType, Field(description=f"Deal type; value or label, any case: {options_hint(DEAL_TYPES)}.")
]
Description = Annotated[Text, Field(description="Free-text description of the deal.")]
Priority = Annotated[
    DealPriority,
    Field(description=f"Priority; value or label, any case: {options_hint(DEAL_PRIORITIES)}."),
]


class DealCreateInput(CreateInput):
    """Properties of the new deal; its name and stage are required."""

    object_type: ClassVar[ObjectType] = "deals"

    dealname: RequiredText = Field(description="Deal name.")
    dealstage: RequiredDealStage = Field(description=_STAGE_HELP)
    amount: AmountField = None
    pipeline: PipelineOrDefault = Field(
        DEFAULT_PIPELINE_ID, description=f"{_PIPELINE_HELP} Used when omitted."
    )
    closedate: CloseDateField = None
    dealtype: DealTypeField = None
    description: Description = None
    hs_priority: Priority = None
    properties: MoreProperties = None
    associations: LinkedRecords = None


class DealUpdateInput(UpdateInput):
    """Which deal to update and the properties to change (at least one)."""

    object_type: ClassVar[ObjectType] = "deals"
    id_field: ClassVar[str] = "deal_id"

    deal_id: RecordId = Field(description="The deal's HubSpot id, e.g. '12345'.")
    dealname: DealName = None
    dealstage: StageField = None
    amount: AmountField = None
    closedate: CloseDateField = None
    pipeline: PipelineField = None
    dealtype: DealTypeField = None
    description: Description = None
    hs_priority: Priority = None
    properties: MoreProperties = None
