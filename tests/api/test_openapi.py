"""``/openapi.json`` documents every request body and error answer (DESIGN.md section 6)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Web

ERRORS = {"401", "413", "422", "503"}


@pytest.fixture
def doc(web: Web) -> dict[str, Any]:
    response = web.client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _op(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = doc["paths"][path][method]
    return operation


@pytest.mark.parametrize("path", ["/v1/jobs", "/v1/jobs/batch"])
def test_job_submissions_declare_their_json_body(doc: dict[str, Any], path: str) -> None:
    """Both submit routes declare a required JSON body with SubmitJob's fields."""
    body = _op(doc, "post", path)["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    if path.endswith("batch"):
        # Items are answered one by one (an invalid one is its own error in the 202).
        assert schema["required"] == ["jobs"]
        jobs = schema["properties"]["jobs"]
        assert (jobs["minItems"], jobs["maxItems"], jobs["items"]["type"]) == (1, 100, "object")
        return
    assert set(schema["required"]) == {"identifier", "tool_name"}
    assert {"tool_input", "idempotency_key", "run_at", "lane"} <= set(schema["properties"])
    assert "$ref" not in str(schema)  # inlined: no dangling #/$defs reference


def test_every_v1_operation_documents_the_error_answers(doc: dict[str, Any]) -> None:
    """Each /v1 operation lists 401, 413, 422 and 503 with the {"error": ...} body."""
    for path, operations in doc["paths"].items():
        if not path.startswith("/v1"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            assert set(responses) >= ERRORS, (method, path, sorted(responses))
            for status in ERRORS:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path)
    assert "HTTPValidationError" not in doc["components"]["schemas"]


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/v1/jobs", {"200", "202", "404", "409"}),
        ("get", "/v1/jobs/{job_id}", {"200", "404"}),
        ("post", "/v1/jobs/{job_id}/cancel", {"200", "404", "409"}),
        ("get", "/v1/connected-accounts/{connection_name}/{identifier}", {"200", "404"}),
        ("post", "/v1/authorization-links", {"200", "404"}),
    ],
)
def test_route_specific_answers_are_documented(
    doc: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    """404s and 409s are documented where a route can answer them."""
    assert statuses <= set(_op(doc, method, path)["responses"])


def test_metrics_is_declared_as_text(doc: dict[str, Any]) -> None:
    """/metrics is Prometheus text, not JSON."""
    content = _op(doc, "get", "/metrics")["responses"]["200"]["content"]
    assert list(content) == ["text/plain"]


def test_405_names_the_allowed_methods(web: Web) -> None:
    """A method a path does not take answers 405 with Allow (and the error body)."""
    response = web.client.put("/v1/jobs")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["error"]["code"] == "method_not_allowed"
