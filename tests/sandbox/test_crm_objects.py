"""CRM objects: create, read, update, archive and list for each type, with HubSpot's errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.conftest import Crm

SAMPLES: dict[str, dict[str, Any]] = {
    "contacts": {"email": "jane@acmecorp.com", "firstname": "Jane", "lifecyclestage": "lead"},
    "companies": {"name": "Acme Corp", "domain": "acmecorp.com", "numberofemployees": 250},
    "deals": {"dealname": "Acme — Enterprise", "dealstage": "presentationscheduled"},
}
DEFAULTS = {
    "contacts": {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    },
    "companies": {"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"},
    "deals": {
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    },
}


@pytest.mark.parametrize("object_type", ["contacts", "companies", "deals"])
def test_create_read_update_archive(crm: Crm, object_type: str) -> None:
    """Each type goes through its whole life cycle under its name."""
    created = crm.create(object_type, **SAMPLES[object_type])
    path = f"/crm/v3/objects/{object_type}/{created['id']}"
    read = crm.call("GET", path)
    assert read.status_code == 200
    assert set(read.json()["properties"]) == DEFAULTS[object_type]
    updated = crm.call("PATCH", path, json={"properties": {"description": "x"}})
    if object_type == "contacts":
        assert updated.status_code == 400  # contacts have no description property
        updated = crm.call("PATCH", path, json={"properties": {"jobtitle": "CTO"}})
    assert updated.status_code == 200
    assert updated.json()["updatedAt"] >= created["updatedAt"]
    assert crm.call("DELETE", path).status_code == 204
    assert crm.call("GET", path).status_code == 404
    archived = crm.call("GET", path, params={"archived": "true"})
    assert archived.status_code == 200
    assert archived.json()["archived"] is True
    assert archived.json()["archivedAt"]


@pytest.mark.parametrize(("type_id", "name"), [("0-1", "contacts"), ("0-2", "companies")])
def test_object_type_ids_reach_the_same_records(crm: Crm, type_id: str, name: str) -> None:
    """``0-1``/``0-2``/``0-3`` are the same types as their names."""
    created = crm.create(name, **SAMPLES[name])
    assert crm.call("GET", f"/crm/v3/objects/{type_id}/{created['id']}").status_code == 200


def test_read_selected_properties(crm: Crm) -> None:
    """Requested properties come back (null when unset); unknown ones are ignored."""
    created = crm.create("contacts", email="a@b.co", jobtitle="CEO")
    response = crm.call(
        "GET",
        f"/crm/v3/objects/contacts/{created['id']}",
        params={"properties": "jobtitle,phone,nonsense"},
    )
    properties = response.json()["properties"]
    assert properties["jobtitle"] == "CEO"
    assert properties["phone"] is None
    assert "nonsense" not in properties
    assert "email" not in properties


def test_read_and_update_by_email(crm: Crm) -> None:
    """``idProperty=email`` finds a contact by email, case-insensitively."""
    created = crm.create("contacts", email="jane@acmecorp.com")
    read = crm.call(
        "GET", "/crm/v3/objects/contacts/JANE@acmecorp.com", params={"idProperty": "email"}
    )
    assert read.json()["id"] == created["id"]
    patched = crm.call(
        "PATCH",
        "/crm/v3/objects/contacts/jane@acmecorp.com",
        params={"idProperty": "email"},
        json={"properties": {"firstname": "J"}},
    )
    assert patched.json()["properties"]["firstname"] == "J"
    bad = crm.call("GET", "/crm/v3/objects/deals/x", params={"idProperty": "dealname"})
    assert bad.status_code == 400


def test_numbers_and_dates_are_normalised(crm: Crm) -> None:
    """Numbers lose trailing zeros; dates, ISO datetimes and epoch millis become ISO with ms."""
    deal = crm.create(
        "deals", dealname="D", dealstage="closedwon", amount=75000, closedate="2026-06-30"
    )
    assert deal["properties"]["amount"] == "75000"
    assert deal["properties"]["closedate"] == "2026-06-30T00:00:00.000Z"
    assert deal["properties"]["pipeline"] == "default"
    other = crm.create("deals", dealname="E", amount="1200.50", closedate=1782777600000)
    assert other["properties"]["amount"] == "1200.5"
    assert other["properties"]["closedate"] == "2026-06-30T00:00:00.000Z"
    third = crm.create("deals", dealname="F", closedate="2026-06-30T12:30:00+02:00")
    assert third["properties"]["closedate"] == "2026-06-30T10:30:00.000Z"


def test_empty_string_clears_a_property(crm: Crm) -> None:
    """Updating a property to "" removes its value."""
    created = crm.create("contacts", email="a@b.co", jobtitle="CEO")
    path = f"/crm/v3/objects/contacts/{created['id']}"
    crm.call("PATCH", path, json={"properties": {"jobtitle": ""}})
    read = crm.call("GET", path, params={"properties": "jobtitle"})
    assert read.json()["properties"]["jobtitle"] is None


def test_unknown_property_is_property_doesnt_exist(crm: Crm) -> None:
    """HubSpot's exact VALIDATION_ERROR body for a property that does not exist."""
    response = crm.call(
        "POST", "/crm/v3/objects/companies", json={"properties": {"name": "x", "testproperty": 1}}
    )
    assert response.status_code == 400
    detail = (
        '[{"isValid":false,"message":"Property \\"testproperty\\" does not exist",'
        '"error":"PROPERTY_DOESNT_EXIST","name":"testproperty",'
        '"localizedErrorMessage":"Property \\"testproperty\\" does not exist",'
        f'"portalId":{crm.hub_id}}}]'
    )
    assert response.json() == {
        "status": "error",
        "message": "Property values were not valid: " + detail,
        "correlationId": response.headers["x-hubspot-correlation-id"],
        "errors": [
            {
                "message": 'Property "testproperty" does not exist',
                "code": "PROPERTY_DOESNT_EXIST",
                "context": {"propertyName": ["testproperty"]},
            }
        ],
        "category": "VALIDATION_ERROR",
    }


@pytest.mark.parametrize(
    ("object_type", "properties", "code", "message_start"),
    [
        ("contacts", {"lifecyclestage": "prospect"}, "INVALID_OPTION", "prospect was not one of"),
        ("contacts", {"hs_lead_status": "new"}, "INVALID_OPTION", "new was not one of"),
        ("deals", {"dealstage": "won"}, "INVALID_OPTION", "won was not one of"),
        ("deals", {"pipeline": "sales"}, "INVALID_OPTION", "sales was not one of"),
        ("deals", {"hs_priority": "HIGH"}, "INVALID_OPTION", "HIGH was not one of"),
        ("deals", {"dealtype": "upsell"}, "INVALID_OPTION", "upsell was not one of"),
        ("deals", {"amount": "lots"}, "INVALID_INTEGER", "lots was not a valid number"),
        ("companies", {"annualrevenue": "1,000"}, "INVALID_INTEGER", "1,000 was not"),
        ("contacts", {"email": "not-an-email"}, "INVALID_EMAIL", "Email address not-an-email"),
        ("deals", {"closedate": "June 30"}, "INVALID_DATE", "June 30 was not a valid date"),
        ("contacts", {"hs_object_id": "5"}, "READ_ONLY_VALUE", '"hs_object_id" is a calculated'),
    ],
)
def test_invalid_values_are_validation_errors(
    crm: Crm, object_type: str, properties: dict[str, str], code: str, message_start: str
) -> None:
    """Values outside a property's type or options: 400 with HubSpot's code per property."""
    response = crm.call("POST", f"/crm/v3/objects/{object_type}", json={"properties": properties})
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: [")
    (error,) = body["errors"]
    assert error["code"] == code
    assert error["message"].startswith(message_start)
    assert error["context"] == {"propertyName": list(properties)}


def test_invalid_option_lists_the_allowed_options(crm: Crm) -> None:
    """INVALID_OPTION's message lists every option in HubSpot's text format."""
    response = crm.call("POST", "/crm/v3/objects/deals", json={"properties": {"hs_priority": "x"}})
    message = response.json()["errors"][0]["message"]
    assert message.startswith('x was not one of the allowed options: [label: "Low"\nvalue: "low"\n')
    assert 'value: "high"' in message


def test_duplicate_email_is_409_conflict(crm: Crm) -> None:
    """A second contact with the same email (any case) is HubSpot's exact 409 body."""
    first = crm.create("contacts", email="jane@acmecorp.com")
    response = crm.call(
        "POST", "/crm/v3/objects/contacts", json={"properties": {"email": "Jane@AcmeCorp.com"}}
    )
    assert response.status_code == 409
    assert response.json() == {
        "status": "error",
        "message": f"Contact already exists. Existing ID: {first['id']}",
        "correlationId": response.headers["x-hubspot-correlation-id"],
        "category": "CONFLICT",
    }
    other = crm.create("contacts", email="other@acmecorp.com")
    clash = crm.call(
        "PATCH",
        f"/crm/v3/objects/contacts/{other['id']}",
        json={"properties": {"email": "jane@acmecorp.com"}},
    )
    assert clash.status_code == 409


def test_archived_contact_email_can_be_reused(crm: Crm) -> None:
    """Archiving a contact frees its email for a new contact."""
    first = crm.create("contacts", email="jane@acmecorp.com")
    crm.call("DELETE", f"/crm/v3/objects/contacts/{first['id']}")
    assert crm.create("contacts", email="jane@acmecorp.com")["id"] != first["id"]


def test_update_missing_record_forms(crm: Crm) -> None:
    """PATCH on a missing numeric id is "resource not found"; a non-numeric id OBJECT_NOT_FOUND."""
    missing = crm.call("PATCH", "/crm/v3/objects/deals/424242", json={"properties": {}})
    assert missing.status_code == 404
    assert "category" not in missing.json()
    word = crm.call("PATCH", "/crm/v3/objects/deals/abc", json={"properties": {}})
    assert word.json()["category"] == "OBJECT_NOT_FOUND"


def test_list_pages_through_records(crm: Crm) -> None:
    """List pages oldest first with ``paging.next.after`` and ``link`` until the last page."""
    ids = [crm.create("companies", name=f"C{i}")["id"] for i in range(5)]
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        params = {"limit": "2", **({"after": after} if after else {})}
        body = crm.call("GET", "/crm/v3/objects/companies", params=params).json()
        seen.extend(r["id"] for r in body["results"])
        pages += 1
        if "paging" not in body:
            break
        after = body["paging"]["next"]["after"]
        assert body["paging"]["next"]["link"] == f"?after={after}"
    assert seen == ids
    assert pages == 3


def test_list_limits_and_archived(crm: Crm) -> None:
    """List defaults to 10, refuses more than 100 and shows archived records only on request."""
    for i in range(12):
        crm.create("contacts", email=f"c{i}@x.io")
    assert len(crm.call("GET", "/crm/v3/objects/contacts").json()["results"]) == 10
    too_many = crm.call("GET", "/crm/v3/objects/contacts", params={"limit": "101"})
    assert too_many.status_code == 400
    first = crm.call("GET", "/crm/v3/objects/contacts").json()["results"][0]
    crm.call("DELETE", f"/crm/v3/objects/contacts/{first['id']}")
    archived = crm.call("GET", "/crm/v3/objects/contacts", params={"archived": "true"}).json()
    assert [r["id"] for r in archived["results"]] == [first["id"]]


def test_malformed_json_is_400(crm: Crm) -> None:
    """A body that is not JSON is a VALIDATION_ERROR."""
    response = crm.call(
        "POST", "/crm/v3/objects/contacts", content=b"{nope", headers={"content-type": "x"}
    )
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
