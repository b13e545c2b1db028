"""Job metrics on ``/metrics`` after jobs through real workers (DESIGN.md section 16).

The shared stack's counters live for the whole session, so each test compares a scrape before
with a scrape after its own jobs: the differences are exact.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from store.portal_schemas import PortalSchemaStore
from tests.support.stack import Stack
from tests.support.tools_stack import connect_account, database, run_job, unique

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.usefixtures("clear_faults")]

COMPANIES = "/crm/v3/objects/companies"
TOOL = "hubspot_company_create"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(stack: Stack) -> Samples:
    """Every sample of ``/metrics``: (sample name, sorted labels) -> value."""
    response = httpx.get(f"{stack.base_url}/metrics", timeout=10)
    assert response.status_code == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def delta(before: Samples, after: Samples, name: str, labels: Mapping[str, str]) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def settled_scrape(stack: Stack, hub_id: int, timeout: float = 15) -> Samples:
    """A scrape once the worker's portal schema reads made on connect are stored and counted
    (they are HubSpot 2xx answers too, and would land inside the test's window otherwise)."""
    deadline = time.monotonic() + timeout
    with database(stack) as db:
        store = PortalSchemaStore(db=db)
        while store.get(hub_id) is None:
            assert time.monotonic() < deadline, f"no portal schema for {hub_id}"
            time.sleep(0.1)
    previous = scrape(stack)
    while True:  # the counts travel on the worker's batching thread: wait until they stop
        time.sleep(0.2)
        current = scrape(stack)
        key = ("hubspot_actions_hubspot_requests_total", (("status_class", "2xx"),))
        if current.get(key) == previous.get(key):
            return current
        assert time.monotonic() < deadline, "HubSpot answer counts kept moving"
        previous = current


def company(stack: Stack, identifier: str) -> dict[str, object]:
    return run_job(stack, identifier, TOOL, {"name": unique("Metrics Co")})


def test_succeeded_and_failed_jobs_are_counted_by_tool_and_outcome(stack: Stack) -> None:
    """Two succeeded and one failed job: jobs_total, job_errors_total, the duration histogram
    and hubspot_requests_total move by exactly those numbers; no label names the account."""
    account = connect_account(stack, "metrics_jobs")
    before = settled_scrape(stack, int(account["hub_id"]))
    ok = [company(stack, account["identifier"]) for _ in range(2)]
    stack.sandbox.control.add_fault(COMPANIES, method="POST", status=400, count=1)
    failed = company(stack, account["identifier"])
    after = scrape(stack)

    assert [j["status"] for j in ok] == ["succeeded", "succeeded"]
    assert failed["status"] == "failed"
    code = failed["error"]["code"]  # type: ignore[index]
    jobs = "hubspot_actions_jobs_total"
    assert delta(before, after, jobs, {"tool": TOOL, "outcome": "succeeded"}) == 2
    assert delta(before, after, jobs, {"tool": TOOL, "outcome": "failed"}) == 1
    errors = "hubspot_actions_job_errors_total"
    assert delta(before, after, errors, {"tool": TOOL, "code": code}) == 1
    duration = "hubspot_actions_job_duration_seconds"
    assert delta(before, after, f"{duration}_count", {"tool": TOOL}) == 3
    assert delta(before, after, f"{duration}_bucket", {"tool": TOOL, "le": "+Inf"}) == 3
    assert 0 < delta(before, after, f"{duration}_sum", {"tool": TOOL}) < 60
    requests = "hubspot_actions_hubspot_requests_total"
    assert delta(before, after, requests, {"status_class": "2xx"}) == 2
    assert delta(before, after, requests, {"status_class": "4xx"}) == 1
    forbidden = {str(account["identifier"]), str(account["hub_id"]), str(account["id"])}
    values = {v for _, labels in after for _, v in labels}
    assert not values & forbidden


def test_a_rate_limited_job_counts_a_wait_and_a_429(stack: Stack) -> None:
    """A job answered 429 once, then 2xx: one rate-limit wait (kind rate_limited), one 429 and
    one 2xx answer, and one succeeded job."""
    account = connect_account(stack, "metrics_429")
    before = settled_scrape(stack, int(account["hub_id"]))
    stack.sandbox.control.add_fault(COMPANIES, method="POST", status=429, retry_after=1, count=1)
    job = company(stack, account["identifier"])
    after = scrape(stack)

    assert job["status"] == "succeeded", job
    waits = "hubspot_actions_rate_limit_waits_total"
    assert delta(before, after, waits, {"kind": "rate_limited"}) == 1
    requests = "hubspot_actions_hubspot_requests_total"
    assert delta(before, after, requests, {"status_class": "429"}) == 1
    assert delta(before, after, requests, {"status_class": "2xx"}) == 1
    jobs = "hubspot_actions_jobs_total"
    assert delta(before, after, jobs, {"tool": TOOL, "outcome": "succeeded"}) == 1


def test_queue_and_schedule_depth_gauges_are_exposed(stack: Stack) -> None:
    """A gauge per Dramatiq queue and per schedule, labelled by name only."""
    samples = scrape(stack)
    queues = {
        dict(labels)["queue"] for name, labels in samples if name == "hubspot_actions_queue_depth"
    }
    schedules = {
        dict(labels)["schedule"]
        for name, labels in samples
        if name == "hubspot_actions_schedule_entries"
    }
    assert queues == {"interactive", "bulk", "refresh", "webhooks"}
    assert schedules == {"jobs", "refresh"}
