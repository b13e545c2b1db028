"""Custom properties and deal pipelines created through HubSpot's endpoints, read back by the
official SDK (with its model validation on) and enforced on record writes."""

from __future__ import annotations

from typing import Any

import pytest
from hubspot.crm.pipelines import PipelineInput, PipelineStageInput
from hubspot.crm.properties import ApiException, OptionInput, PropertyCreate

from tests.sandbox.conftest import Crm


def _tier(client: Any) -> Any:
    """Create the contact enumeration ``tier`` (gold/silver) through the SDK."""
    return client.crm.properties.core_api.create(
        "contacts",
        property_create=PropertyCreate(
            name="tier",
            label="Tier",
            type="enumeration",
            field_type="select",
            group_name="contactinformation",
            options=[
                OptionInput(label="Gold", value="gold", display_order=0, hidden=False),
                OptionInput(label="Silver", value="silver", display_order=1, hidden=False),
            ],
        ),
    )


def _pipeline(client: Any) -> Any:
    """Create a two-stage deal pipeline through the SDK."""
    stages = [
        PipelineStageInput(label="Intro", display_order=0, metadata={"probability": "0.1"}),
        PipelineStageInput(
            label="Won", display_order=1, metadata={"probability": "1.0", "isClosed": "true"}
        ),
    ]
    return client.crm.pipelines.pipelines_api.create(
        "deals", pipeline_input=PipelineInput(label="Partners", display_order=1, stages=stages)
    )


def test_sdk_creates_a_property_and_reads_it_back(schema_crm: Crm) -> None:
    """A created enumeration is answered 201 and listed by GET list and GET one."""
    client = schema_crm.sdk()
    created = _tier(client)
    assert (created.name, created.type, created.hubspot_defined) == ("tier", "enumeration", False)
    assert [o.value for o in created.options] == ["gold", "silver"]
    names = [p.name for p in client.crm.properties.core_api.get_all("contacts").results]
    assert names.count("tier") == 1
    one = client.crm.properties.core_api.get_by_name("0-1", "tier")
    assert [o.label for o in one.options] == ["Gold", "Silver"]


def test_existing_property_name_is_409(schema_crm: Crm) -> None:
    """A name the portal has, custom or HubSpot's own, cannot be created again."""
    client = schema_crm.sdk()
    _tier(client)
    with pytest.raises(ApiException) as again:
        _tier(client)
    assert again.value.status == 409
    body = {
        "name": "email",
        "label": "E",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
    }
    builtin = schema_crm.call("POST", "/crm/v3/properties/contacts", json=body)
    assert builtin.status_code == 409


def test_property_create_needs_fields_and_options(schema_crm: Crm) -> None:
    """Missing required fields or an enumeration without options are 400 VALIDATION_ERROR."""
    missing = schema_crm.call("POST", "/crm/v3/properties/deals", json={"name": "x"})
    assert (missing.status_code, missing.json()["category"]) == (400, "VALIDATION_ERROR")
    body = {
        "name": "kind",
        "label": "Kind",
        "type": "enumeration",
        "fieldType": "select",
        "groupName": "dealinformation",
    }
    no_options = schema_crm.call("POST", "/crm/v3/properties/deals", json=body)
    assert no_options.status_code == 400


def test_schema_writes_need_schema_scopes(crm: Crm) -> None:
    """Without crm.schemas.*.write, property and pipeline creates are 403 MISSING_SCOPES."""
    body = {"name": "x", "label": "X", "type": "string", "fieldType": "text", "groupName": "g"}
    refused = crm.call("POST", "/crm/v3/properties/companies", json=body)
    assert refused.status_code == 403
    scopes = refused.json()["errors"][0]["context"]["requiredGranularScopes"]
    assert scopes == ["crm.schemas.companies.write"]
    pipeline = crm.call("POST", "/crm/v3/pipelines/deals", json={})
    assert pipeline.status_code == 403


def test_custom_property_is_written_and_validated(schema_crm: Crm) -> None:
    """Records take the custom property's options and refuse other values as INVALID_OPTION."""
    _tier(schema_crm.sdk())
    contact = schema_crm.create("contacts", email="a@x.io", tier="gold")
    assert contact["properties"]["tier"] == "gold"
    read = schema_crm.call(
        "GET", f"/crm/v3/objects/contacts/{contact['id']}", params={"properties": "tier"}
    )
    assert read.json()["properties"]["tier"] == "gold"
    bad = schema_crm.call(
        "POST", "/crm/v3/objects/contacts", json={"properties": {"tier": "bronze"}}
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["code"] == "INVALID_OPTION"
    found = schema_crm.search(
        "contacts", filterGroups=[{"filters": [{"propertyName": "tier", "value": "gold"}]}]
    )
    assert found.json()["total"] == 1


def test_sdk_creates_a_pipeline_with_generated_ids(schema_crm: Crm) -> None:
    """The created pipeline answers ids, string metadata and the default writePermissions."""
    client = schema_crm.sdk()
    pipeline = _pipeline(client)
    assert pipeline.id.isdigit()
    assert [s.label for s in pipeline.stages] == ["Intro", "Won"]
    assert all(s.id.isdigit() for s in pipeline.stages)
    assert pipeline.stages[1].metadata == {"isClosed": "true", "probability": "1.0"}
    assert pipeline.stages[0].write_permissions == "CRM_PERMISSIONS_ENFORCEMENT"
    listed = client.crm.pipelines.pipelines_api.get_all("deals").results
    assert [p.id for p in listed] == ["default", pipeline.id]
    one = client.crm.pipelines.pipelines_api.get_by_id("deals", pipeline.id)
    assert one.label == "Partners"
    options = client.crm.properties.core_api.get_by_name("deals", "pipeline").options
    assert [o.value for o in options] == ["default", pipeline.id]


def test_pipeline_create_validates_stages(schema_crm: Crm) -> None:
    """Deal stages need a probability in [0, 1] and labels unique within the pipeline."""
    base = {"label": "P", "displayOrder": 0}
    no_probability = {**base, "stages": [{"label": "A", "displayOrder": 0, "metadata": {}}]}
    twice = {
        **base,
        "stages": [
            {"label": "A", "displayOrder": 0, "metadata": {"probability": "0.1"}},
            {"label": "a", "displayOrder": 1, "metadata": {"probability": "0.2"}},
        ],
    }
    too_likely = {
        **base,
        "stages": [{"label": "A", "displayOrder": 0, "metadata": {"probability": "1.5"}}],
    }
    for body in (no_probability, twice, too_likely, {**base, "stages": []}):
        response = schema_crm.call("POST", "/crm/v3/pipelines/deals", json=body)
        assert response.status_code == 400, body
    listed = schema_crm.call("GET", "/crm/v3/pipelines/deals").json()["results"]
    assert [p["id"] for p in listed] == ["default"]


def test_deal_stage_must_belong_to_the_deals_pipeline(schema_crm: Crm) -> None:
    """A custom pipeline's stages are valid for its deals only, and default stages only for
    default deals."""
    pipeline = _pipeline(schema_crm.sdk())
    intro = pipeline.stages[0].id
    deal = schema_crm.create("deals", dealname="D", pipeline=pipeline.id, dealstage=intro)
    assert (deal["properties"]["pipeline"], deal["properties"]["dealstage"]) == (
        pipeline.id,
        intro,
    )
    mixed = {"dealname": "E", "pipeline": pipeline.id, "dealstage": "qualifiedtobuy"}
    refused = schema_crm.call("POST", "/crm/v3/objects/deals", json={"properties": mixed})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "INVALID_OPTION"
    # An update of the stage alone is checked against the deal's current pipeline.
    path = f"/crm/v3/objects/deals/{deal['id']}"
    wrong = schema_crm.call("PATCH", path, json={"properties": {"dealstage": "closedwon"}})
    assert wrong.status_code == 400
    won = pipeline.stages[1].id
    moved = schema_crm.call("PATCH", path, json={"properties": {"dealstage": won}})
    assert moved.json()["properties"]["dealstage"] == won
    default = schema_crm.call(
        "POST", "/crm/v3/objects/deals", json={"properties": {"dealname": "F", "dealstage": intro}}
    )
    assert default.status_code == 400
