"""Pipelines and properties: the default deal pipeline and property definitions."""

from __future__ import annotations

from tests.sandbox.conftest import Crm


def test_default_deal_pipeline(crm: Crm) -> None:
    """``GET /crm/v3/pipelines/deals`` answers the default pipeline with string metadata."""
    response = crm.call("GET", "/crm/v3/pipelines/deals")
    assert response.status_code == 200
    (pipeline,) = response.json()["results"]
    assert pipeline["id"] == "default"
    assert pipeline["createdAt"] == "1970-01-01T00:00:00.000Z"
    stages = {s["id"]: s for s in pipeline["stages"]}
    assert list(stages)[:3] == ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled"]
    assert stages["closedwon"]["metadata"] == {"isClosed": "true", "probability": "1.0"}
    assert stages["appointmentscheduled"]["metadata"]["probability"] == "0.2"
    one = crm.call("GET", "/crm/v3/pipelines/deals/default")
    assert one.json()["id"] == "default"
    assert crm.call("GET", "/crm/v3/pipelines/deals/nope").status_code == 404
    assert len(crm.call("GET", "/crm/v3/pipelines/0-3/default/stages").json()["results"]) == 7


def test_property_definitions(crm: Crm) -> None:
    """Properties list every tool field with type and enumeration options."""
    response = crm.call("GET", "/crm/v3/properties/contacts")
    names = {p["name"] for p in response.json()["results"]}
    assert {
        "email",
        "firstname",
        "lastname",
        "company",
        "jobtitle",
        "phone",
        "website",
        "lifecyclestage",
        "hs_lead_status",
    } <= names
    stage = crm.call("GET", "/crm/v3/properties/deals/dealstage").json()
    assert stage["type"] == "enumeration"
    assert [o["value"] for o in stage["options"]][:2] == ["appointmentscheduled", "qualifiedtobuy"]
    amount = crm.call("GET", "/crm/v3/properties/0-3/amount").json()
    assert (amount["type"], amount["options"]) == ("number", [])
    companies = {
        p["name"] for p in crm.call("GET", "/crm/v3/properties/companies").json()["results"]
    }
    assert {"name", "domain", "industry", "annualrevenue", "numberofemployees"} <= companies
    missing = crm.call("GET", "/crm/v3/properties/deals/nope")
    assert missing.status_code == 404


def test_company_industry_is_hubspots_enumeration(crm: Crm) -> None:
    """``industry`` lists HubSpot's options and refuses free text as INVALID_OPTION."""
    industry = crm.call("GET", "/crm/v3/properties/companies/industry").json()
    assert (industry["type"], industry["fieldType"]) == ("enumeration", "select")
    values = [o["value"] for o in industry["options"]]
    assert len(values) == 147
    assert values[:2] == ["ACCOUNTING", "AIRLINES_AVIATION"]
    assert "COMPUTER_SOFTWARE" in values
    company = crm.create("companies", name="Acme", industry="COMPUTER_SOFTWARE")
    assert company["properties"]["industry"] == "COMPUTER_SOFTWARE"
    body = {"properties": {"name": "Beta", "industry": "Software"}}
    refused = crm.call("POST", "/crm/v3/objects/companies", json=body)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "INVALID_OPTION"


def test_default_stages_write_permissions(crm: Crm) -> None:
    """Default stages answer the spec enum's CRM_PERMISSIONS_ENFORCEMENT."""
    (pipeline,) = crm.call("GET", "/crm/v3/pipelines/deals").json()["results"]
    assert {s["writePermissions"] for s in pipeline["stages"]} == {"CRM_PERMISSIONS_ENFORCEMENT"}
