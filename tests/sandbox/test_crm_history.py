"""``propertiesWithHistory``: every write kept, newest first, on read, list and batch read."""

from __future__ import annotations

from hubspot.crm.contacts import BatchReadInputSimplePublicObjectId, SimplePublicObjectId

from tests.sandbox.conftest import Crm


def _three_writes(crm: Crm) -> str:
    contact = crm.create("contacts", email="a@x.io", firstname="Ann")
    path = f"/crm/v3/objects/contacts/{contact['id']}"
    crm.server.control.advance_clock(5)
    crm.call("PATCH", path, json={"properties": {"firstname": "Anna"}})
    crm.server.control.advance_clock(5)
    crm.call("PATCH", path, json={"properties": {"firstname": ""}})
    return str(contact["id"])


def test_sdk_reads_history_newest_first(crm: Crm) -> None:
    """GET one answers each write of a property, newest first, sourceType API, cleared as ""."""
    contact_id = _three_writes(crm)
    read = crm.sdk().crm.contacts.basic_api.get_by_id(
        contact_id, properties_with_history=["firstname", "email"]
    )
    versions = read.properties_with_history["firstname"]
    assert [v.value for v in versions] == ["", "Anna", "Ann"]
    assert {v.source_type for v in versions} == {"API"}
    stamps = [v.timestamp for v in versions]
    assert stamps[0] > stamps[1] > stamps[2]
    assert [v.value for v in read.properties_with_history["email"]] == ["a@x.io"]
    assert read.properties["email"] == "a@x.io"


def test_history_on_list_and_batch_read(crm: Crm) -> None:
    """List pages and batch read take propertiesWithHistory too; plain reads carry none."""
    contact_id = _three_writes(crm)
    page = crm.call(
        "GET", "/crm/v3/objects/contacts", params={"propertiesWithHistory": "firstname"}
    ).json()
    (listed,) = page["results"]
    assert [v["value"] for v in listed["propertiesWithHistory"]["firstname"]] == ["", "Anna", "Ann"]
    batch = crm.sdk().crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=contact_id)],
            properties=["email"],
            properties_with_history=["firstname"],
        )
    )
    (read,) = batch.results
    assert len(read.properties_with_history["firstname"]) == 3
    plain = crm.call("GET", f"/crm/v3/objects/contacts/{contact_id}").json()
    assert "propertiesWithHistory" not in plain
