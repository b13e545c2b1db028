"""A 409 on a retried contact create: recovered only when our earlier attempt may have landed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hubspot_client.client import HubSpotClient
from hubspot_client.errors import HubSpotConflict
from schemas.jobs import JobStatus, Lane
from store.jobs import JobRecord
from worker.recovery import recover_contact_create

STARTED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _job(history: list[dict[str, Any]]) -> JobRecord:
    return JobRecord(
        id="job_1", account_id="acc_1", connection_name="hubspot", identifier="u",
        tool_name="hubspot_contact_create", lane=Lane.INTERACTIVE, status=JobStatus.RUNNING,
        attempts=len(history), rate_waits=0, history=history, input={"email": "a@b.co"},
        input_hash="h", result=None, error=None, idempotency_key=None, created_at=STARTED,
        updated_at=STARTED, started_at=STARTED, finished_at=None, run_at=None, due_at=None,
        deadline_at=STARTED + timedelta(hours=1), lease_owner="w", lease_expires_at=None,
    )  # fmt: skip


def _client(created_at: datetime) -> HubSpotClient:
    body = {
        "id": "77",
        "properties": {"email": "a@b.co"},
        "createdAt": created_at.isoformat().replace("+00:00", "Z"),
        "updatedAt": created_at.isoformat().replace("+00:00", "Z"),
        "archived": False,
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(body).encode())

    return HubSpotClient(
        api_base="https://api.hubapi.com",
        connect_timeout=1,
        read_timeout=1,
        transport=httpx.MockTransport(handler),
    )


CONFLICT = HubSpotConflict("exists", status_code=409, existing_id="77")


@pytest.mark.parametrize("earlier", ["outcome_unknown", "lease_lapsed"])
def test_conflict_after_a_possibly_applied_attempt_is_recovered(earlier: str) -> None:
    """After a lost answer or a killed worker, a 409 naming a contact created since is ours."""
    job = _job([{"at": STARTED.isoformat(), "outcome": earlier}])
    with _client(STARTED + timedelta(seconds=3)) as client:
        response = recover_contact_create(job, CONFLICT, hubspot=client, access_token="t")
    assert response.body["id"] == "77"


def test_conflict_on_a_first_attempt_stands() -> None:
    """Without an earlier unknown outcome the 409 is a real duplicate and is re-raised."""
    with _client(STARTED + timedelta(seconds=3)) as client, pytest.raises(HubSpotConflict):
        recover_contact_create(_job([]), CONFLICT, hubspot=client, access_token="t")


def test_conflict_with_an_older_contact_stands() -> None:
    """A contact created long before the job started belongs to someone else."""
    job = _job([{"at": STARTED.isoformat(), "outcome": "lease_lapsed"}])
    with _client(STARTED - timedelta(days=3)) as client, pytest.raises(HubSpotConflict):
        recover_contact_create(replace(job), CONFLICT, hubspot=client, access_token="t")
