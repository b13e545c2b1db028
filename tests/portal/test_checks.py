"""Checks of a submission against a cached portal schema (pure; DESIGN.md section 13)."""

from __future__ import annotations

from typing import Any

import pytest

from schemas.portal import PortalSchema, compact_pipelines, compact_properties, new_document
from schemas.portal_checks import (
    MAX_OPTIONS_SHOWN,
    InvalidPropertyValue,
    UnknownProperty,
    check_portal_input,
)
from schemas.tools import get_tool, parse_tool_input
from tests.portal.portal_data import custom_document

SCHEMA = PortalSchema.from_document(custom_document())
assert SCHEMA is not None


def _checked(tool: str, raw: dict[str, Any], schema: PortalSchema = SCHEMA) -> dict[str, str]:
    model = check_portal_input(schema, get_tool(tool), parse_tool_input(tool, raw))
    body = get_tool(tool).build_request(model).json
    assert body is not None
    properties: dict[str, str] = body["properties"]
    return properties


def test_labels_and_values_of_enumerations_become_internal_values() -> None:
    """Labels in any case and values in any case are sent as the portal's internal values."""
    sent = _checked(
        "hubspot_contact_create",
        {
            "email": "a@b.co",
            "lifecyclestage": "champion",
            "hs_lead_status": "open",
            "properties": {"favorite_color": "DARK RED", "tools_used": "slack; Jira"},
        },
    )
    assert sent == {
        "email": "a@b.co",
        "lifecyclestage": "9001",
        "hs_lead_status": "OPEN",
        "favorite_color": "dark_red",
        "tools_used": "slack;jira",
    }


def test_dealstage_is_matched_within_the_deals_pipeline() -> None:
    """A stage label of a custom pipeline becomes that pipeline's stage id; the pipeline's
    label becomes its id."""
    sent = _checked(
        "hubspot_deal_create",
        {"dealname": "P", "pipeline": "partners", "dealstage": "Closed won"},
    )
    assert (sent["pipeline"], sent["dealstage"]) == ("77001", "88003")


def test_a_stage_of_another_pipeline_is_refused_with_the_pipelines_stages() -> None:
    """The error names the field and lists this pipeline's stages as label (value) pairs."""
    with pytest.raises(InvalidPropertyValue) as caught:
        _checked("hubspot_deal_create", {"dealname": "P", "dealstage": "won-ish"})
    error = caught.value.to_dict()
    assert error["code"] == "invalid_property_value"
    assert error["field"] == "dealstage"
    assert error["message"] == (
        'dealstage "won-ish" is not a stage of pipeline "default": Appointment scheduled '
        "(appointmentscheduled), Qualified to buy (qualifiedtobuy), Signed (contractsent), "
        "Closed won (closedwon)"
    )
    assert [o["value"] for o in error["options"]] == [
        "appointmentscheduled",
        "qualifiedtobuy",
        "contractsent",
        "closedwon",
    ]


def test_an_update_without_pipeline_takes_any_pipelines_stage_but_not_an_ambiguous_label() -> None:
    """Without a pipeline a unique stage of any pipeline is accepted; a label two pipelines
    share is refused asking for the id."""
    assert _checked("hubspot_deal_update", {"deal_id": 5, "dealstage": "intro CALL"}) == {
        "dealstage": "88001"
    }
    with pytest.raises(InvalidPropertyValue, match="several pipelines"):
        _checked("hubspot_deal_update", {"deal_id": 5, "dealstage": "signed"})


def test_an_unknown_pipeline_is_refused_listing_the_pipelines() -> None:
    """A pipeline the portal lacks is refused before its stage is looked at."""
    with pytest.raises(InvalidPropertyValue) as caught:
        _checked("hubspot_deal_create", {"dealname": "P", "dealstage": "x", "pipeline": "nope"})
    assert caught.value.message == (
        'pipeline "nope" is not a pipeline of this portal: Sales Pipeline (default), '
        "Partners (77001)"
    )


def test_an_unknown_property_name_is_refused_with_the_closest_names() -> None:
    """A typo'd custom property comes back with what the agent probably meant."""
    with pytest.raises(UnknownProperty) as caught:
        _checked("hubspot_contact_create", {"email": "a@b.co", "properties": {"favorit_colr": 1}})
    error = caught.value.to_dict()
    assert error["code"] == "unknown_property"
    assert error["field"] == "properties.favorit_colr"
    assert error["closest"][0] == "favorite_color"


def test_a_read_only_property_is_refused() -> None:
    """HubSpot calculates read-only properties: setting one is an invalid value."""
    with pytest.raises(InvalidPropertyValue) as caught:
        _checked("hubspot_contact_update", {"contact_id": 1, "properties": {"hs_object_id": 3}})
    assert caught.value.details["field"] == "hs_object_id"
    assert "read-only" in caught.value.message


def test_custom_enumerations_and_industry_are_checked() -> None:
    """Custom deal enumerations and a company's industry take only the portal's options."""
    assert _checked("hubspot_company_create", {"name": "A", "industry": "banking"}) == {
        "name": "A",
        "industry": "BANKING",
    }
    with pytest.raises(InvalidPropertyValue, match='industry "Software" is not an option'):
        _checked("hubspot_company_create", {"name": "A", "industry": "Software"})


def test_option_lists_are_capped() -> None:
    """An enumeration with hundreds of options lists only the first ones, saying how many more."""
    many = [[f"v{i}", f"Option {i}"] for i in range(100)]
    document = new_document(
        {"contacts": [{"name": "big", "label": "Big", "type": "enumeration",
                       "field_type": "select", "read_only": False, "options": many}]},
        None,
    )  # fmt: skip
    schema = PortalSchema.from_document(document)
    assert schema is not None
    with pytest.raises(InvalidPropertyValue) as caught:
        _checked("hubspot_contact_create", {"email": "a@b.co", "properties": {"big": "z"}}, schema)
    assert len(caught.value.details["options"]) == MAX_OPTIONS_SHOWN
    assert caught.value.message.endswith(f"... and {100 - MAX_OPTIONS_SHOWN} more")


def test_parts_not_fetched_check_nothing() -> None:
    """An empty document (the grant lacked the schema scopes) lets every value through."""
    schema = PortalSchema.from_document(new_document({}, None))
    assert schema is not None
    sent = _checked(
        "hubspot_deal_create",
        {"dealname": "P", "dealstage": "won-ish", "properties": {"anything": "x"}},
        schema,
    )
    assert sent == {"dealname": "P", "dealstage": "won-ish", "pipeline": "default", "anything": "x"}


def test_compaction_keeps_options_and_read_only_and_drops_archived() -> None:
    """HubSpot's Property and Pipeline shapes reduce to names, types, options and stages."""
    properties = compact_properties(
        {
            "results": [
                {"name": "a", "label": "A", "type": "enumeration", "fieldType": "select",
                 "options": [{"label": "X", "value": "x", "hidden": True}],
                 "modificationMetadata": {"readOnlyValue": False}},
                {"name": "b", "label": "B", "type": "string", "fieldType": "text",
                 "calculated": True},
                {"name": "c", "label": "C", "type": "string", "archived": True},
            ]
        }
    )  # fmt: skip
    assert properties == [
        {"name": "a", "label": "A", "type": "enumeration", "field_type": "select",
         "read_only": False, "options": [["x", "X"]]},
        {"name": "b", "label": "B", "type": "string", "field_type": "text",
         "read_only": True, "options": []},
    ]  # fmt: skip
    pipelines = compact_pipelines(
        {"results": [{"id": "p", "label": "P", "displayOrder": 0, "stages": [
            {"id": "s2", "label": "Two", "displayOrder": 1},
            {"id": "s1", "label": "One", "displayOrder": 0},
            {"id": "s3", "label": "Gone", "displayOrder": 2, "archived": True}]}]}
    )  # fmt: skip
    assert pipelines == [{"id": "p", "label": "P", "stages": [["s1", "One"], ["s2", "Two"]]}]
