"""Contacts create and read: shapes, defaults and the 404 forms."""

from __future__ import annotations

import re

from tests.support.sandbox_server import SandboxServer

ISO_MS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def test_create_then_read_contact(fresh_sandbox: SandboxServer) -> None:
    """Create answers 201 with string values and timestamps; a read answers the defaults."""
    tokens = fresh_sandbox.connect().tokens
    created = fresh_sandbox.http.post(
        "/crm/v3/objects/contacts",
        json={"properties": {"email": "jane@acmecorp.com", "firstname": "Jane"}},
        headers=tokens.headers,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["id"].isdigit()
    assert body["archived"] is False
    assert re.fullmatch(ISO_MS, body["createdAt"])
    assert body["properties"]["hs_object_id"] == body["id"]
    assert body["properties"]["createdate"] == body["createdAt"]
    read = fresh_sandbox.http.get(f"/crm/v3/objects/contacts/{body['id']}", headers=tokens.headers)
    assert read.status_code == 200
    assert read.json()["properties"] == {
        "createdate": body["createdAt"],
        "email": "jane@acmecorp.com",
        "firstname": "Jane",
        "hs_object_id": body["id"],
        "lastmodifieddate": body["updatedAt"],
        "lastname": None,
    }


def test_read_missing_numeric_id_is_resource_not_found(fresh_sandbox: SandboxServer) -> None:
    """A numeric id that does not exist: 404 "resource not found" without a category."""
    tokens = fresh_sandbox.connect().tokens
    response = fresh_sandbox.http.get("/crm/v3/objects/contacts/999999", headers=tokens.headers)
    assert response.status_code == 404
    assert response.json() == {
        "status": "error",
        "message": "resource not found",
        "correlationId": response.headers["x-hubspot-correlation-id"],
    }


def test_read_non_numeric_id_is_object_not_found(fresh_sandbox: SandboxServer) -> None:
    """A non-numeric id without idProperty: 404 OBJECT_NOT_FOUND with the id in context."""
    tokens = fresh_sandbox.connect().tokens
    response = fresh_sandbox.http.get(
        "/crm/v3/objects/contacts/jane@acmecorp.com", headers=tokens.headers
    )
    assert response.status_code == 404
    assert response.json() == {
        "status": "error",
        "message": "Object not found.  objectId are usually numeric.",
        "correlationId": response.headers["x-hubspot-correlation-id"],
        "context": {"id": ["jane@acmecorp.com"]},
        "category": "OBJECT_NOT_FOUND",
    }
