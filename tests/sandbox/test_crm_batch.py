"""CRM batch calls: create, read, update, upsert, archive; 207 per-item errors; input limits."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.conftest import Crm


def _batch(crm: Crm, object_type: str, action: str, body: dict[str, Any], **kw: Any) -> Any:
    return crm.call("POST", f"/crm/v3/objects/{object_type}/batch/{action}", json=body, **kw)


def test_batch_create_all_good_is_201(crm: Crm) -> None:
    """A clean batch create answers 201 with COMPLETE, every result and timestamps."""
    inputs = [{"properties": {"name": f"Co {i}"}} for i in range(3)]
    response = _batch(crm, "companies", "create", {"inputs": inputs})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert [r["properties"]["name"] for r in body["results"]] == ["Co 0", "Co 1", "Co 2"]
    assert body["startedAt"] <= body["completedAt"]
    assert "numErrors" not in body


def test_batch_create_partial_failure_is_207(crm: Crm) -> None:
    """Invalid inputs fail alone: 207 with numErrors and StandardErrors."""
    inputs = [
        {"properties": {"email": "new@x.io"}, "objectWriteTraceId": "t1"},
        {"properties": {"email": "not-an-email"}, "objectWriteTraceId": "t2"},
        {"properties": {"lifecyclestage": "nope"}, "objectWriteTraceId": "t3"},
    ]
    response = _batch(crm, "contacts", "create", {"inputs": inputs})
    assert response.status_code == 207
    body = response.json()
    assert body["numErrors"] == 2
    assert [r["properties"]["email"] for r in body["results"]] == ["new@x.io"]
    bad_email, invalid = body["errors"]
    assert bad_email["category"] == "VALIDATION_ERROR"
    assert bad_email["errors"][0]["code"] == "INVALID_EMAIL"
    assert bad_email["context"] == {"objectWriteTraceId": ["t2"]}
    assert invalid["category"] == "VALIDATION_ERROR"
    assert invalid["errors"][0]["code"] == "INVALID_OPTION"
    assert set(invalid) == {"status", "category", "message", "context", "errors", "links"}


def test_batch_create_with_an_existing_email_fails_whole(crm: Crm) -> None:
    """An existing email makes the whole batch 409 CONFLICT naming the first one; none created."""
    first = crm.create("contacts", email="taken@x.io")
    crm.create("contacts", email="also@x.io")
    inputs = [
        {"properties": {"email": "new@x.io"}},
        {"properties": {"email": "TAKEN@x.io"}},
        {"properties": {"email": "also@x.io"}},
    ]
    response = _batch(crm, "contacts", "create", {"inputs": inputs})
    assert response.status_code == 409
    body = response.json()
    assert body["category"] == "CONFLICT"
    assert body["message"] == f"Contact already exists. Existing ID: {first['id']}"
    listed = crm.call("GET", "/crm/v3/objects/contacts", params={"properties": "email"}).json()
    assert [r["properties"]["email"] for r in listed["results"]] == ["taken@x.io", "also@x.io"]


def test_batch_create_with_an_email_twice_fails_whole(crm: Crm) -> None:
    """Two inputs with one email are refused whole (400) and nothing is created."""
    inputs = [{"properties": {"email": "a@x.io"}}, {"properties": {"email": "A@x.io"}}]
    response = _batch(crm, "contacts", "create", {"inputs": inputs})
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    listed = crm.call("GET", "/crm/v3/objects/contacts").json()
    assert listed["results"] == []


def test_batch_read_reports_missing_ids_together(crm: Crm) -> None:
    """Batch read answers found records and one OBJECT_NOT_FOUND error naming missing ids."""
    deal = crm.create("deals", dealname="D", amount=5)
    body = {"inputs": [{"id": deal["id"]}, {"id": "1"}, {"id": "2"}], "properties": ["amount"]}
    response = _batch(crm, "deals", "read", body)
    assert response.status_code == 207
    result = response.json()
    assert result["results"][0]["properties"]["amount"] == "5"
    (error,) = result["errors"]
    assert error["category"] == "OBJECT_NOT_FOUND"
    assert error["context"] == {"ids": ["1", "2"]}
    assert "DEAL objects" in error["message"]


def test_batch_read_by_email(crm: Crm) -> None:
    """Batch read honours ``idProperty``."""
    contact = crm.create("contacts", email="a@x.io")
    body = {"inputs": [{"id": "A@x.io"}], "idProperty": "email"}
    response = _batch(crm, "contacts", "read", body)
    assert response.status_code == 200
    assert response.json()["results"][0]["id"] == contact["id"]


def test_batch_update(crm: Crm) -> None:
    """Batch update applies each input; a missing id makes it 207."""
    contact = crm.create("contacts", email="a@x.io")
    inputs = [
        {"id": contact["id"], "properties": {"jobtitle": "CTO"}},
        {"id": "999999", "properties": {"jobtitle": "x"}},
    ]
    response = _batch(crm, "contacts", "update", {"inputs": inputs})
    assert response.status_code == 207
    assert response.json()["results"][0]["properties"]["jobtitle"] == "CTO"
    assert response.json()["errors"][0]["context"] == {"ids": ["999999"]}


def test_batch_upsert_by_email_marks_new(crm: Crm) -> None:
    """Upsert by email updates the existing contact and creates the other, with ``new``."""
    existing = crm.create("contacts", email="old@x.io")
    inputs = [
        {"id": "old@x.io", "idProperty": "email", "properties": {"firstname": "Old"}},
        {"id": "fresh@x.io", "idProperty": "email", "properties": {"firstname": "New"}},
    ]
    response = _batch(crm, "contacts", "upsert", {"inputs": inputs})
    assert response.status_code == 200
    first, second = response.json()["results"]
    assert (first["id"], first["new"], first["properties"]["firstname"]) == (
        existing["id"],
        False,
        "Old",
    )
    assert second["new"] is True
    assert second["properties"]["email"] == "fresh@x.io"


def test_batch_upsert_needs_a_unique_property(crm: Crm) -> None:
    """Upserting companies by a non-unique property fails that input."""
    inputs = [{"id": "acme.com", "idProperty": "domain", "properties": {"name": "Acme"}}]
    response = _batch(crm, "companies", "upsert", {"inputs": inputs})
    assert response.status_code == 207
    assert response.json()["errors"][0]["category"] == "VALIDATION_ERROR"


def test_batch_archive(crm: Crm) -> None:
    """Batch archive answers 204 and the records leave search and reads."""
    ids = [crm.create("companies", name=f"C{i}")["id"] for i in range(2)]
    response = _batch(crm, "companies", "archive", {"inputs": [{"id": i} for i in ids]})
    assert response.status_code == 204
    assert crm.call("GET", f"/crm/v3/objects/companies/{ids[0]}").status_code == 404


@pytest.mark.parametrize("action", ["create", "read", "update", "upsert", "archive"])
def test_batch_over_100_inputs_is_400(crm: Crm, action: str) -> None:
    """More than 100 inputs is a 400 VALIDATION_ERROR, and nothing is written."""
    inputs = [{"id": str(i), "properties": {"name": f"C{i}"}} for i in range(101)]
    response = _batch(crm, "companies", action, {"inputs": inputs})
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert crm.search("companies").json()["total"] == 0


def test_search_results_stop_at_10000(crm: Crm) -> None:
    """Search reports the true total but never pages past the 10,000th result."""
    for start in range(0, 10_050, 100):
        inputs = [{"properties": {"name": f"C{i}"}} for i in range(start, min(start + 100, 10_050))]
        assert _batch(crm, "companies", "create", {"inputs": inputs}).status_code == 201
    body = crm.search("companies", limit=200, after="9900").json()
    assert body["total"] == 10_050
    assert len(body["results"]) == 100
    assert "paging" not in body
    assert crm.search("companies", after="9990").json()["results"][-1]["properties"]["name"] == (
        "C9999"
    )
