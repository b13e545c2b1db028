"""Mapping a batch answer back to the jobs whose inputs it answers (``worker.batch_results``)."""

from __future__ import annotations

from typing import Any

from hubspot_client import HubSpotConflict, HubSpotNotFound, HubSpotRequestError, HubSpotResponse
from worker.batch_results import BatchItem, ItemAnswer, map_answer


def _response(body: dict[str, Any], status: int = 200) -> HubSpotResponse:
    return HubSpotResponse(
        status_code=status, body=body, correlation_id="cid-1", rate_limit=None, elapsed_ms=3.0
    )


def _record(record_id: str, **properties: str) -> dict[str, Any]:
    return {
        "id": record_id,
        "properties": {"hs_object_id": record_id, **properties},
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:01.000Z",
        "archived": False,
    }


def _error(category: str, message: str, **context: list[str]) -> dict[str, Any]:
    return {
        "status": "error",
        "category": category,
        "message": message,
        "context": context,
        "errors": [],
        "links": {},
    }


def _result(answer: ItemAnswer | None) -> Any:
    assert answer is not None
    assert answer.response is not None, answer
    return answer.response.body


def test_update_results_are_matched_by_id_whatever_their_order() -> None:
    """Results of an update come back in any order; each goes to the job naming its id."""
    items = [BatchItem("job_a", record="1"), BatchItem("job_b", record="2")]
    body = {"status": "COMPLETE", "results": [_record("2", firstname="B"), _record("1")]}
    answers = map_answer(items, _response(body), creates=False)
    assert _result(answers[0])["id"] == "1"
    assert _result(answers[1]) == _record("2", firstname="B")
    assert answers[1] is not None
    assert answers[1].response is not None
    assert answers[1].response.status_code == 200
    assert answers[1].response.correlation_id == "cid-1"


def test_an_update_by_email_is_matched_by_its_email_or_its_new_one() -> None:
    """A contact named by email matches its result's email; one changing it, the new email."""
    items = [
        BatchItem("job_a", record="old@x.com", email="new@x.com"),
        BatchItem("job_b", record="b@x.com"),
    ]
    body = {"results": [_record("8", email="B@x.com"), _record("7", email="new@x.com")]}
    answers = map_answer(items, _response(body), creates=False)
    assert _result(answers[0])["id"] == "7"
    assert _result(answers[1])["id"] == "8"


def test_a_207_missing_id_fails_only_its_own_job_as_a_single_404_would() -> None:
    """OBJECT_NOT_FOUND names the missing ids: that job gets HubSpotNotFound, the rest results."""
    items = [BatchItem("job_a", record="1"), BatchItem("job_b", record="999")]
    body = {
        "status": "COMPLETE",
        "results": [_record("1")],
        "numErrors": 1,
        "errors": [_error("OBJECT_NOT_FOUND", "Could not get some CONTACT objects", ids=["999"])],
    }
    answers = map_answer(items, _response(body, 207), creates=False)
    assert _result(answers[0])["id"] == "1"
    assert answers[1] is not None
    assert isinstance(answers[1].error, HubSpotNotFound)
    error = answers[1].error.to_dict()
    assert error["code"] == "hubspot_error"
    assert error["hubspot"] == {
        "status": 404,
        "category": "OBJECT_NOT_FOUND",
        "correlation_id": "cid-1",
    }


def test_a_traced_validation_error_goes_to_the_input_it_names() -> None:
    """An error naming an input's objectWriteTraceId fails that job with HubSpot's error code."""
    items = [BatchItem("job_a", email="a@x.com"), BatchItem("job_b", email="b@x.com")]
    error = _error(
        "VALIDATION_ERROR", "Property values were not valid", objectWriteTraceId=["job_b"]
    )
    error["errors"] = [{"message": "bad option", "code": "INVALID_OPTION"}]
    body = {"results": [_record("5", email="a@x.com")], "numErrors": 1, "errors": [error]}
    answers = map_answer(items, _response(body, 207), creates=True)
    assert _result(answers[0])["id"] == "5"
    assert answers[0] is not None
    assert answers[0].response is not None
    assert answers[0].response.status_code == 201
    assert answers[1] is not None
    assert isinstance(answers[1].error, HubSpotRequestError)
    assert answers[1].error.error_code == "INVALID_OPTION"
    assert answers[1].error.status_code == 400


def test_contact_creates_are_matched_by_email_in_any_order_and_case() -> None:
    """Contact create results carry the email: matched case-insensitively, order ignored."""
    items = [BatchItem("job_a", email="a@x.com"), BatchItem("job_b", email="b@x.com")]
    body = {"results": [_record("2", email="B@X.com"), _record("1", email="a@x.com")]}
    answers = map_answer(items, _response(body, 201), creates=True)
    assert [_result(a)["id"] for a in answers] == ["1", "2"]


def test_an_echoed_trace_id_wins_and_is_removed_from_the_result() -> None:
    """HubSpot may echo objectWriteTraceId: it decides the owner, and the stored result is the
    single call's shape (without it)."""
    items = [BatchItem("job_a"), BatchItem("job_b")]
    body = {
        "results": [
            {**_record("11", name="B"), "objectWriteTraceId": "job_b"},
            {**_record("10", name="A"), "objectWriteTraceId": "job_a"},
        ]
    }
    answers = map_answer(items, _response(body, 201), creates=True)
    assert _result(answers[0]) == _record("10", name="A")
    assert _result(answers[1]) == _record("11", name="B")


def test_untraced_company_creates_fall_back_to_input_order() -> None:
    """Company creates carry nothing to match: as many results as inputs go by input order."""
    items = [BatchItem("job_a"), BatchItem("job_b")]
    body = {"results": [_record("10", name="A"), _record("11", name="B")]}
    answers = map_answer(items, _response(body, 201), creates=True)
    assert [_result(a)["id"] for a in answers] == ["10", "11"]


def test_an_ambiguous_answer_leaves_the_jobs_unanswered() -> None:
    """One result for two untraced creates, and an error naming no input: nobody's for sure."""
    items = [BatchItem("job_a"), BatchItem("job_b")]
    body = {"results": [_record("10")], "errors": [_error("VALIDATION_ERROR", "no context")]}
    assert map_answer(items, _response(body, 207), creates=True) == [None, None]


def test_a_missing_result_is_no_answer_for_that_job_only() -> None:
    """An update whose result is absent from the answer is unanswered; the other is matched."""
    items = [BatchItem("job_a", record="1"), BatchItem("job_b", record="2")]
    answers = map_answer(items, _response({"results": [_record("2")]}), creates=False)
    assert answers[0] is None
    assert _result(answers[1])["id"] == "2"


def test_a_conflict_item_is_a_typed_conflict_with_the_existing_id() -> None:
    """A per-item CONFLICT is read like a single call's 409: the existing id is parsed."""
    items = [BatchItem("job_a", email="a@x.com")]
    error = _error(
        "CONFLICT", "Contact already exists. Existing ID: 42", objectWriteTraceId=["job_a"]
    )
    answers = map_answer(items, _response({"results": [], "errors": [error]}, 207), creates=True)
    assert answers[0] is not None
    assert isinstance(answers[0].error, HubSpotConflict)
    assert answers[0].error.existing_id == "42"
