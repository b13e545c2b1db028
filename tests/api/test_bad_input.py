"""Bad input of any kind is a 4xx, never a 5xx (DESIGN.md section 6), on both databases.

PostgreSQL refuses NUL characters in text, so those cases matter most there; each runs on SQLite
too. Every refused submission stores no job and sends no message.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import Web
from tests.support.web_app import IDENTIFIER

CREATE: dict[str, Any] = {
    "identifier": IDENTIFIER,
    "tool_name": "hubspot_contact_create",
    "tool_input": {"email": "nul@example.com"},
}
SEARCH = {**CREATE, "tool_name": "hubspot_contacts_search"}


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    return error


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (
            {**CREATE, "tool_input": {"email": "a@b.co", "firstname": "a\x00b"}},
            "invalid_tool_input",
            "tool_input.firstname",
        ),
        ({**SEARCH, "tool_input": {"query": "acme\x00"}}, "invalid_tool_input", "tool_input.query"),
        ({**CREATE, "identifier": "user\x00x"}, "invalid_request", "identifier"),
        ({**CREATE, "idempotency_key": "key\x00"}, "invalid_request", "idempotency_key"),
        ({**CREATE, "connection_name": "hub\x00spot"}, "invalid_request", "connection_name"),
    ],
    ids=["tool_input", "search_query", "identifier", "idempotency_key", "connection_name"],
)
def test_nul_in_a_submitted_string_is_422(
    web: Web, body: dict[str, Any], code: str, field: str
) -> None:
    """A NUL anywhere in a job submission: 422 naming the field, nothing stored or enqueued."""
    before = web.stored()
    error = _error(web.client.post("/v1/jobs", json=body), 422, code)
    assert error["errors"] == [{"field": field, "problem": "contains a NUL character (U+0000)"}]
    assert web.stored() == before


def test_nul_inside_json_text_a_tool_parses_is_422(web: Web) -> None:
    """A NUL that appears only once filterGroups' JSON text is parsed is refused as well."""
    groups = json.dumps(
        [{"filters": [{"propertyName": "email", "operator": "EQ", "value": "a\x00"}]}]
    )
    body = {**SEARCH, "tool_input": {"filterGroups": groups}}
    error = _error(web.client.post("/v1/jobs", json=body), 422, "invalid_tool_input")
    assert "NUL" in error["message"]


def test_nul_in_a_batch_item_fails_that_item_only(web: Web) -> None:
    """In a batch, the items with a NUL get their own 422 error; the others are accepted."""
    items = [
        {**CREATE, "tool_input": {"email": "x\x00@b.co"}},
        {**CREATE, "tool_input": {"email": "ok@b.co"}},
        {**CREATE, "identifier": "u\x00"},
    ]
    response = web.client.post("/v1/jobs/batch", json={"jobs": items})
    assert response.status_code == 202, response.text
    answers = response.json()["jobs"]
    outcomes = [a["status"] if "status" in a else a["error"]["code"] for a in answers]
    assert outcomes == ["invalid_tool_input", "queued", "invalid_request"]
    assert web.stored()[0] == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/jobs/a%00b"),
        ("POST", "/v1/jobs/a%00b/cancel"),
        ("GET", "/v1/jobs?ids=%00"),
        ("GET", "/v1/jobs?ids=job_a,b%00"),
        ("GET", "/v1/connected-accounts?after=%00"),
        ("GET", "/v1/connected-accounts/hubspot/a%00b"),
        ("DELETE", "/v1/connected-accounts/hubspot/a%00b"),
        ("GET", "/oauth/callback?code=x&state=%00"),
    ],
)
def test_nul_in_the_url_is_422_invalid_request(web: Web, method: str, path: str) -> None:
    """A NUL in a path segment or a query value (job ids too): 422 invalid_request."""
    error = _error(web.client.request(method, path), 422, "invalid_request")
    assert "NUL" in error["message"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/connected-accounts", {"connection_name": "hubspot", "identifier": "a\x00b"}),
        ("/v1/connected-accounts", {"connection_name": "hub\x00spot", "identifier": "ab"}),
        ("/v1/authorization-links", {"connection_name": "hubspot", "identifier": "a\x00b"}),
        (
            "/v1/authorization-links",
            {"connection_name": "hubspot", "identifier": "ab", "return_url": "https://x/\x00"},
        ),
    ],
)
def test_nul_in_an_account_body_is_422(web: Web, path: str, body: dict[str, Any]) -> None:
    """Account and link bodies with a NUL: 422 invalid_request, no account created."""
    error = _error(web.client.post(path, json=body), 422, "invalid_request")
    assert "NUL" in error["message"]
    listed = web.client.get("/v1/connected-accounts").json()["connected_accounts"]
    assert [a["identifier"] for a in listed] == [IDENTIFIER]


@pytest.mark.parametrize("path", ["/v1/jobs", "/v1/jobs/batch", "/v1/connected-accounts"])
def test_a_body_nested_100000_deep_is_422(web: Web, path: str) -> None:
    """JSON too deep for the parser (a RecursionError before): 422 invalid_request."""
    body = "[" * 100_000 + "]" * 100_000
    response = web.client.post(path, content=body, headers={"content-type": "application/json"})
    error = _error(response, 422, "invalid_request")
    assert "nested deeper than 64 levels" in error["message"]


@pytest.mark.parametrize("depth", [65, 5_000])
def test_tool_input_nested_too_deep_is_422(web: Web, depth: int) -> None:
    """tool_input nested past 64 levels (or past what the parser takes) is a 422."""
    nested = "[" * depth + "]" * depth
    text = json.dumps({**CREATE, "tool_input": {"email": "a@b.co", "firstname": "__X__"}})
    body = text.replace('"__X__"', nested)
    before = web.stored()
    response = web.client.post(
        "/v1/jobs", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert "nested deeper than 64 levels" in response.json()["error"]["message"]
    assert web.stored() == before


def test_tool_input_at_the_depth_limit_reaches_the_tool(web: Web) -> None:
    """Nesting within the limit is not refused for depth: the tool's own validation answers."""
    body = {**CREATE, "tool_input": {"email": "a@b.co", "firstname": [[["x"]]]}}
    error = _error(web.client.post("/v1/jobs", json=body), 422, "invalid_tool_input")
    assert "nested" not in error["message"]
    assert "firstname" in error["message"]


@pytest.mark.parametrize(
    ("run_at", "code"),
    [
        ("9999-12-31T23:59:59Z", "invalid_request"),
        ("2999-01-01T00:00:00+02:00", "invalid_request"),
        ("0001-01-01T00:00:00+14:00", "invalid_tool_input"),
    ],
)
def test_run_at_out_of_range_is_422(web: Web, run_at: str, code: str) -> None:
    """A run_at more than 366 days ahead, or before year 1 in UTC: 422, nothing stored."""
    before = web.stored()
    error = _error(web.client.post("/v1/jobs", json={**CREATE, "run_at": run_at}), 422, code)
    assert "run_at" in error["message"]
    assert web.stored() == before


def test_run_at_out_of_range_in_a_batch_fails_that_item(web: Web) -> None:
    """In a batch, a run_at too far ahead is that item's 422, not a 500 for the batch."""
    items = [{**CREATE, "run_at": "9999-12-31T23:59:59Z"}, CREATE]
    response = web.client.post("/v1/jobs/batch", json={"jobs": items})
    assert response.status_code == 202, response.text
    answers = response.json()["jobs"]
    assert answers[0]["error"]["code"] == "invalid_request"
    assert answers[1]["status"] == "queued"
