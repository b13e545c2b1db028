"""Associations on create (HubSpot's default type ids) and ``?associations=`` on read (v3)."""

from __future__ import annotations

from hubspot.crm.deals import (
    AssociationSpec,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectInputForCreate,
)

from tests.sandbox.conftest import Crm


def _to(record_id: str, type_id: int) -> dict[str, object]:
    return {
        "to": {"id": record_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


def test_sdk_creates_a_deal_with_associations_read_from_both_sides(crm: Crm) -> None:
    """A deal created with contact (3) and company (341) links reads them back, and so do they."""
    contact = crm.create("contacts", email="a@x.io")
    company = crm.create("companies", name="Acme")
    client = crm.sdk()
    links = [
        PublicAssociationsForObject(
            to=PublicObjectId(id=target),
            types=[AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=t)],
        )
        for target, t in ((contact["id"], 3), (company["id"], 341))
    ]
    deal = client.crm.deals.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"dealname": "D"}, associations=links)
    )
    read = client.crm.deals.basic_api.get_by_id(deal.id, associations=["contacts", "companies"])
    assert [(a.id, a.type) for a in read.associations["contacts"].results] == [
        (contact["id"], "deal_to_contact")
    ]
    assert [(a.id, a.type) for a in read.associations["companies"].results] == [
        (company["id"], "deal_to_company_unlabeled")
    ]
    back = client.crm.contacts.basic_api.get_by_id(contact["id"], associations=["deals"])
    assert [(a.id, a.type) for a in back.associations["deals"].results] == [
        (deal.id, "contact_to_deal")
    ]
    page = client.crm.companies.basic_api.get_page(associations=["deals", "contacts"])
    (listed,) = page.results
    assert [(a.id, a.type) for a in listed.associations["deals"].results] == [
        (deal.id, "company_to_deal_unlabeled")
    ]
    assert "contacts" not in listed.associations


def test_contact_to_company_types_and_json_shape(crm: Crm) -> None:
    """279 and the primary label 1 both show, in the v3 JSON shape; no links, no key."""
    company = crm.create("companies", name="Acme")
    body = {"properties": {"email": "b@x.io"}, "associations": [_to(company["id"], 279)]}
    created = crm.call("POST", "/crm/v3/objects/contacts", json=body)
    assert created.status_code == 201
    contact_id = created.json()["id"]
    primary = {"properties": {"email": "c@x.io"}, "associations": [_to(company["id"], 1)]}
    crm.call("POST", "/crm/v3/objects/contacts", json=primary)
    read = crm.call(
        "GET", f"/crm/v3/objects/contacts/{contact_id}", params={"associations": "companies"}
    ).json()
    assert read["associations"] == {
        "companies": {"results": [{"id": company["id"], "type": "contact_to_company_unlabeled"}]}
    }
    company_view = crm.call(
        "GET", f"/crm/v3/objects/companies/{company['id']}", params={"associations": "contacts"}
    ).json()
    types = [a["type"] for a in company_view["associations"]["contacts"]["results"]]
    assert types == ["company_to_contact_unlabeled", "company_to_contact"]
    plain = crm.call("GET", f"/crm/v3/objects/contacts/{contact_id}").json()
    assert "associations" not in plain


def test_unknown_target_or_type_is_400_and_creates_nothing(crm: Crm) -> None:
    """A target that does not exist, or a type of another object pair, refuses the create."""
    company = crm.create("companies", name="Acme")
    missing = {"properties": {"email": "d@x.io"}, "associations": [_to("999999", 279)]}
    response = crm.call("POST", "/crm/v3/objects/contacts", json=missing)
    assert (response.status_code, response.json()["category"]) == (400, "VALIDATION_ERROR")
    wrong_type = {"properties": {"email": "d@x.io"}, "associations": [_to(company["id"], 3)]}
    assert crm.call("POST", "/crm/v3/objects/contacts", json=wrong_type).status_code == 400
    listed = crm.call("GET", "/crm/v3/objects/contacts").json()
    assert listed["results"] == []
