"""``/crm/v3/pipelines/deals`` and ``/crm/v3/properties/{type}[/{name}]``: what a portal's
objects look like (facts 5 and the Properties spec's ``Property`` shape).

The default pipeline and its stages were created "at epoch 0" as HubSpot reports for defaults;
stage metadata values are strings (``{"isClosed": "false", "probability": "0.2"}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.clock import iso_ms
from sandbox.crm.properties import CATALOG
from sandbox.errors import ApiError
from sandbox.http import Request, Response, json_response
from schemas.hubspot_defaults import DEFAULT_DEAL_STAGES, PIPELINES, Stage

if TYPE_CHECKING:
    from sandbox.state import Sandbox

_EPOCH = iso_ms(0)


def _stage(stage: Stage) -> dict[str, Any]:
    return {
        "label": stage.label,
        "displayOrder": stage.display_order,
        "metadata": {
            "isClosed": "true" if stage.is_closed else "false",
            "probability": str(stage.probability),
        },
        "id": stage.id,
        "createdAt": _EPOCH,
        "updatedAt": _EPOCH,
        "archived": False,
        "writePermissions": "CRUD_PERMITTED",
    }


def _pipelines() -> list[dict[str, Any]]:
    return [
        {
            "label": pipeline.label,
            "displayOrder": pipeline.display_order,
            "id": pipeline.value,
            "stages": [_stage(stage) for stage in DEFAULT_DEAL_STAGES],
            "createdAt": _EPOCH,
            "updatedAt": _EPOCH,
            "archived": False,
        }
        for pipeline in PIPELINES
    ]


def list_pipelines(sandbox: Sandbox, request: Request) -> Response:
    """``GET /crm/v3/pipelines/deals``: ``{"results": [...]}``, no paging."""
    return json_response(200, {"results": _pipelines()})


def _pipeline(pipeline_id: str) -> dict[str, Any]:
    for pipeline in _pipelines():
        if pipeline["id"] == pipeline_id:
            return pipeline
    raise ApiError(404, f"Unable to find pipeline {pipeline_id}", "OBJECT_NOT_FOUND")


def read_pipeline(sandbox: Sandbox, request: Request) -> Response:
    """``GET /crm/v3/pipelines/deals/{pipelineId}``."""
    return json_response(200, _pipeline(request.params["pipeline_id"]))


def list_stages(sandbox: Sandbox, request: Request) -> Response:
    """``GET /crm/v3/pipelines/deals/{pipelineId}/stages``."""
    return json_response(200, {"results": _pipeline(request.params["pipeline_id"])["stages"]})


def list_properties(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """``GET /crm/v3/properties/{type}``: every definition, options included."""
    views = [p.view(object_type) for p in CATALOG[object_type].values()]
    return json_response(200, {"results": views})


def read_property(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """``GET /crm/v3/properties/{type}/{name}`` or 404 (wording UNCONFIRMED)."""
    name = request.params["name"]
    definition = CATALOG[object_type].get(name)
    if definition is None:
        message = f"Unable to find property with name {name} for object type {object_type}"
        raise ApiError(404, message, "OBJECT_NOT_FOUND")
    return json_response(200, definition.view(object_type))
