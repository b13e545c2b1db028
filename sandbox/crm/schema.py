"""``/crm/v3/pipelines/deals`` and ``/crm/v3/properties/{type}[/{name}]`` reads: what a portal's
objects look like (facts 5 and the Properties spec's ``Property`` shape), its own additions
(``sandbox.crm.portal``) included.

The default pipeline and its stages were created "at epoch 0" as HubSpot reports for defaults;
stage metadata values are strings (``{"isClosed": "false", "probability": "0.2"}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.crm.portal import PipelineDef
from sandbox.errors import ApiError
from sandbox.http import Request, Response, json_response

if TYPE_CHECKING:
    from sandbox.state import Sandbox


def list_pipelines(sandbox: Sandbox, request: Request) -> Response:
    """``GET /crm/v3/pipelines/deals``: ``{"results": [...]}``, no paging."""
    pipelines = sandbox.schema(request.hub_id).all_pipelines()
    return json_response(200, {"results": [p.view() for p in pipelines]})


def _pipeline(sandbox: Sandbox, request: Request) -> PipelineDef:
    pipeline_id = request.params["pipeline_id"]
    pipeline = sandbox.schema(request.hub_id).pipeline(pipeline_id)
    if pipeline is None:
        raise ApiError(404, f"Unable to find pipeline {pipeline_id}", "OBJECT_NOT_FOUND")
    return pipeline


def read_pipeline(sandbox: Sandbox, request: Request) -> Response:
    """``GET /crm/v3/pipelines/deals/{pipelineId}``."""
    return json_response(200, _pipeline(sandbox, request).view())


def list_stages(sandbox: Sandbox, request: Request) -> Response:
    """``GET /crm/v3/pipelines/deals/{pipelineId}/stages``."""
    stages = _pipeline(sandbox, request).stages
    return json_response(200, {"results": [stage.view() for stage in stages]})


def list_properties(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """``GET /crm/v3/properties/{type}``: every definition, options included."""
    catalog = sandbox.schema(request.hub_id).catalog(object_type)
    return json_response(200, {"results": [p.view(object_type) for p in catalog.values()]})


def read_property(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """``GET /crm/v3/properties/{type}/{name}`` or 404 (wording UNCONFIRMED)."""
    name = request.params["name"]
    definition = sandbox.schema(request.hub_id).catalog(object_type).get(name)
    if definition is None:
        message = f"Unable to find property with name {name} for object type {object_type}"
        raise ApiError(404, message, "OBJECT_NOT_FOUND")
    return json_response(200, definition.view(object_type))
