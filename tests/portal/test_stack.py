"""Portal-aware tools end to end: web, worker, scheduler and the sandbox over HTTP, PostgreSQL.

The cache is filled by the worker from the sandbox's ``GET /crm/v3/properties/{type}`` and
``GET /crm/v3/pipelines/deals`` (the default portal); custom properties and pipelines are seeded
into the cache table directly, since the sandbox cannot create them yet (one test creates them
through the sandbox and is skipped until it can).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from producer import Actions
from producer.langchain import get_tools
from store.portal_schemas import PortalSchemaRecord, PortalSchemaStore
from tests.portal.portal_data import custom_document
from tests.support.stack import Stack
from tests.support.tools_stack import connected, database, request_count, run_job, submit_ok

pytestmark = pytest.mark.usefixtures("clear_faults")


@contextmanager
def _store(stack: Stack) -> Iterator[PortalSchemaStore]:
    with database(stack) as db:
        yield PortalSchemaStore(db=db)


def _wait_for_copy(
    stack: Stack, hub_id: int, *, newer_than: datetime | None = None, timeout: float = 15
) -> PortalSchemaRecord:
    """The portal's cached copy once the worker has stored it (newer than ``newer_than``)."""
    deadline = time.monotonic() + timeout
    with _store(stack) as store:
        while True:
            record = store.get(hub_id)
            if record is not None and (newer_than is None or record.fetched_at > newer_than):
                return record
            assert time.monotonic() < deadline, f"no portal schema for {hub_id}"
            time.sleep(0.1)


def _connected_with_custom_schema(stack: Stack, prefix: str) -> tuple[str, int]:
    """A connected account whose cached copy is the custom test document."""
    identifier, hub_id = connected(stack, prefix)
    _wait_for_copy(stack, hub_id)
    with _store(stack) as store:
        store.put(hub_id, custom_document())
    return identifier, hub_id


def _job_count(stack: Stack, identifier: str) -> int:
    with database(stack) as db, db.read() as conn:
        return int(
            conn.exec_driver_sql(
                "SELECT count(*) FROM jobs WHERE identifier = %(i)s", {"i": identifier}
            ).scalar_one()
        )


def test_connecting_fetches_the_portals_properties_and_pipelines(stack: Stack) -> None:
    """After the callback the worker caches the three property lists and the deal pipelines."""
    _, hub_id = connected(stack, "schema_fetch")
    document = _wait_for_copy(stack, hub_id).document
    assert sorted(document["properties"]) == ["companies", "contacts", "deals"]
    names = {p["name"] for p in document["properties"]["deals"]}
    assert {"dealname", "dealstage", "pipeline", "hs_priority"} <= names
    assert [p["id"] for p in document["pipelines"]] == ["default"]
    assert document["pipelines"][0]["stages"][0] == [
        "appointmentscheduled",
        "Appointment scheduled",
    ]


def test_labels_are_normalised_and_custom_stages_accepted(stack: Stack) -> None:
    """A custom pipeline's stage label is sent as its id; the stored input holds the id."""
    identifier, _ = _connected_with_custom_schema(stack, "schema_norm")
    response = stack.submit(
        identifier,
        "hubspot_contact_create",
        {"email": f"{identifier}@x.example", "lifecyclestage": "CUSTOMER",
         "hs_lead_status": "Open"},
    )  # fmt: skip
    assert response.status_code == 202, response.text
    stored = response.json()["job"]
    job = stack.wait(stored["id"], timeout=30)
    assert job["status"] == "succeeded", job
    assert job["result"]["properties"]["lifecyclestage"] == "customer"
    assert job["result"]["properties"]["hs_lead_status"] == "OPEN"


def test_invalid_values_are_refused_at_submit_and_nothing_is_stored(stack: Stack) -> None:
    """422 invalid_property_value with the pipeline's options; no job row, no message."""
    identifier, _ = _connected_with_custom_schema(stack, "schema_refuse")
    before = request_count(stack, "POST /crm/v3/objects/deals")
    response = stack.submit(
        identifier,
        "hubspot_deal_create",
        {"dealname": "D", "pipeline": "Partners", "dealstage": "won-ish"},
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_property_value"
    assert error["field"] == "dealstage"
    assert error["message"] == (
        'dealstage "won-ish" is not a stage of pipeline "77001": Intro call (88001), '
        "Signed (88002), Closed won (88003)"
    )
    unknown = stack.submit(
        identifier, "hubspot_contact_create",
        {"email": "u@x.example", "properties": {"favourite_color": "blue"}},
    )  # fmt: skip
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["error"]["code"] == "unknown_property"
    assert unknown.json()["error"]["closest"][0] == "favorite_color"
    assert _job_count(stack, identifier) == 0
    assert request_count(stack, "POST /crm/v3/objects/deals") == before


def test_extra_properties_reach_hubspot(stack: Stack) -> None:
    """``properties`` names a property that is not a named field (contact ``city``); HubSpot
    stores it."""
    identifier, hub_id = connected(stack, "schema_extra")
    _wait_for_copy(stack, hub_id)
    job = run_job(
        stack, identifier, "hubspot_contact_create",
        {"email": f"{identifier}@x.example", "properties": {"city": "Lyon"}},
    )  # fmt: skip
    assert job["status"] == "succeeded", job
    read = run_job(
        stack, identifier, "hubspot_contact_get",
        {"contact_id": job["result"]["id"], "properties": "city"},
    )  # fmt: skip
    assert read["result"]["properties"]["city"] == "Lyon"


def test_tool_schemas_carry_the_portals_options(stack: Stack, http_actions: Actions) -> None:
    """GET /v1/tools?identifier= and get_tools(identifier=) list the custom pipeline's stages."""
    identifier, _ = _connected_with_custom_schema(stack, "schema_tools")
    with stack.api as api:
        tools = api.get("/v1/tools", params={"identifier": identifier}).json()["tools"]
    deal = next(t for t in tools if t["name"] == "hubspot_deal_create")
    assert "88002" in deal["input_schema"]["properties"]["dealstage"]["enum"]
    assert deal["input_schema"]["properties"]["pipeline"]["enum"] == ["default", "77001"]
    lc_tools = {t.name: t for t in get_tools(identifier=identifier, actions=http_actions)}
    schema: Any = lc_tools["hubspot_deal_create"].args_schema
    assert schema["properties"]["dealstage"]["enum"][-3:] == ["88001", "88002", "88003"]
    with stack.api as api:
        plain = api.get("/v1/tools").json()["tools"]
    plain_deal = next(t for t in plain if t["name"] == "hubspot_deal_create")
    assert "enum" not in plain_deal["input_schema"]["properties"]["dealstage"]


def test_invalid_option_from_hubspot_refetches_the_cache(stack: Stack) -> None:
    """The cache claims dealtype 'partnership'; HubSpot answers INVALID_OPTION; the worker
    refetches, and the next submission with it is refused at once."""
    identifier, hub_id = _connected_with_custom_schema(stack, "schema_invalid_option")
    seeded = _wait_for_copy(stack, hub_id).fetched_at
    job = run_job(
        stack, identifier, "hubspot_deal_create",
        {"dealname": "D", "dealstage": "closedwon", "dealtype": "partnership"},
    )  # fmt: skip
    assert job["status"] == "failed", job
    assert job["error"]["error_code"] == "INVALID_OPTION"
    fresh = _wait_for_copy(stack, hub_id, newer_than=seeded)
    assert "77001" not in {p["id"] for p in fresh.document["pipelines"]}
    again = stack.submit(
        identifier, "hubspot_deal_create",
        {"dealname": "D", "dealstage": "closedwon", "dealtype": "partnership"},
    )  # fmt: skip
    assert again.status_code == 422, again.text
    assert again.json()["error"]["field"] == "dealtype"


def test_a_copy_older_than_the_ttl_checks_nothing_and_is_refetched(stack: Stack) -> None:
    """Past PORTAL_SCHEMA_TTL_SECONDS the job is accepted (HubSpot decides) and a fetch runs."""
    identifier, hub_id = connected(stack, "schema_ttl")
    _wait_for_copy(stack, hub_id)
    old = datetime.now(UTC) - timedelta(hours=2)
    with _store(stack) as store:
        store.put(hub_id, custom_document(), fetched_at=old)
    # "won-ish" would be refused by a fresh copy; the stale one is not trusted to refuse.
    submit_ok(stack, identifier, "hubspot_deal_create", {"dealname": "D", "dealstage": "won-ish"})
    fresh = _wait_for_copy(stack, hub_id, newer_than=old)
    assert fresh.document["pipelines"][0]["id"] == "default"
    assert len(fresh.document["pipelines"]) == 1


def test_a_portal_refusing_schema_reads_gets_its_jobs_accepted(stack: Stack) -> None:
    """403 MISSING_SCOPES on the schema reads: an empty copy, and HubSpot decides every value."""
    stack.sandbox.control.add_fault("/crm/v3/properties", status=403)
    stack.sandbox.control.add_fault("/crm/v3/pipelines", status=403)
    identifier, hub_id = connected(stack, "schema_noscope")
    record = _wait_for_copy(stack, hub_id)
    assert record.document == {"version": 1, "properties": {}}
    stack.sandbox.control.clear_faults()
    job = run_job(stack, identifier, "hubspot_deal_create", {"dealname": "D", "dealstage": "x"})
    assert job["status"] == "failed", job
    assert job["error"]["error_code"] == "INVALID_OPTION"


def _sandbox_creates_properties(stack: Stack) -> bool:
    """Whether the sandbox has ``POST /crm/v3/properties/deals`` (a probe with no token)."""
    response = httpx.post(f"{stack.sandbox.base_url}/crm/v3/properties/deals", json={}, timeout=5)
    return response.status_code not in (404, 405)


def test_custom_properties_and_pipelines_created_in_the_sandbox(stack: Stack) -> None:
    """A property and a pipeline created through HubSpot's endpoints are fetched on connect,
    their labels normalised and other values refused."""
    if not _sandbox_creates_properties(stack):
        pytest.skip("the sandbox has no POST /crm/v3/properties/deals yet (built in parallel)")
    # Given a portal with a custom enumeration and a custom pipeline, created by another app
    # installed in the same portal (its token writes schemas; ours only reads them)
    other = stack.sandbox.connect(
        scopes=("oauth", "crm.schemas.deals.write", "crm.objects.deals.write"),
        client_id="schema-writer",
        client_secret="schema-writer-secret",
    )
    with stack.sandbox.client(headers=other.tokens.headers) as hubspot:
        created = hubspot.post(
            "/crm/v3/properties/deals",
            json={"name": "partner_tier", "label": "Partner tier", "type": "enumeration",
                  "fieldType": "select", "groupName": "dealinformation",
                  "options": [{"label": "Gold", "value": "gold", "displayOrder": 0,
                               "hidden": False}]},
        )  # fmt: skip
        assert created.status_code == 201, created.text
        pipeline = hubspot.post(
            "/crm/v3/pipelines/deals",
            json={"label": "Partners", "displayOrder": 1,
                  "stages": [{"label": "Intro call", "displayOrder": 0,
                              "metadata": {"probability": "0.5"}}]},
        )  # fmt: skip
        assert pipeline.status_code == 201, pipeline.text
    pipeline_id = pipeline.json()["id"]
    stage_id = pipeline.json()["stages"][0]["id"]
    # When our user connects to that portal
    identifier = f"schema_created_{other.hub_id}"
    stack.connect(identifier, hub_id=other.hub_id)
    _wait_for_copy(stack, other.hub_id)
    # Then labels become ids, and an unknown option is refused with the options
    job = run_job(
        stack, identifier, "hubspot_deal_create",
        {"dealname": "P", "pipeline": "partners", "dealstage": "intro call",
         "properties": {"partner_tier": "GOLD"}},
    )  # fmt: skip
    assert job["status"] == "succeeded", job
    assert job["result"]["properties"]["pipeline"] == pipeline_id
    assert job["result"]["properties"]["dealstage"] == stage_id
    assert job["result"]["properties"]["partner_tier"] == "gold"
    refused = stack.submit(
        identifier, "hubspot_deal_create",
        {"dealname": "P", "dealstage": "intro call", "pipeline": pipeline_id,
         "properties": {"partner_tier": "silver"}},
    )  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["message"] == (
        'partner_tier "silver" is not an option of partner_tier: Gold (gold)'
    )
