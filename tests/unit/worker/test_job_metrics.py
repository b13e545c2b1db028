"""The worker's metric hooks and the shared-metrics exposition, on fakeredis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fakeredis
import pytest

from broker.job_stats import job_outcome_ops, job_outcomes_ops
from broker.timeline import CALLS_SERIES, JOBS_SERIES, read_minutes
from tests.support.metrics import shared_samples
from worker import job_metrics

NOW = datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(200, "2xx"), (204, "2xx"), (400, "4xx"), (404, "4xx"), (429, "429"), (502, "5xx"),
     (None, "error")],
)  # fmt: skip
def test_status_classes(status: int | None, expected: str) -> None:
    """429 is its own class (the rate limit); no answer at all is ``error``."""
    assert job_metrics.status_class(status) == expected


def test_outcomes_durations_and_minutes() -> None:
    """Two finished jobs: counters by tool/outcome/code, a cumulative duration histogram measured
    from run_at when later than submission, and this minute's chart count."""
    client = fakeredis.FakeRedis()
    tool_name = "hubspot_contacts_list"
    job_metrics.job_finished(
        client,
        tool=tool_name,
        due=NOW - timedelta(seconds=3),
        status="succeeded",
        code=None,
        now=NOW,
    )
    # submitted two hours ago to run 40 s ago: the duration counts from run_at
    job_metrics.job_finished(
        client,
        tool=tool_name,
        due=NOW - timedelta(seconds=40),
        status="failed",
        code="hubspot_error",
        now=NOW,
    )
    got = shared_samples(client)
    tool = ("tool", "hubspot_contacts_list")
    assert got[("hubspot_actions_jobs_total", (("outcome", "succeeded"), tool))] == 1
    assert got[("hubspot_actions_jobs_total", (("outcome", "failed"), tool))] == 1
    assert got[("hubspot_actions_job_errors_total", (("code", "hubspot_error"), tool))] == 1
    bucket = "hubspot_actions_job_duration_seconds_bucket"
    assert got[(bucket, (("le", "2.5"), tool))] == 0
    assert got[(bucket, (("le", "5.0"), tool))] == 1
    assert got[(bucket, (("le", "30.0"), tool))] == 1
    assert got[(bucket, (("le", "60.0"), tool))] == 2
    assert got[(bucket, (("le", "+Inf"), tool))] == 2
    assert got[("hubspot_actions_job_duration_seconds_sum", (tool,))] == 43
    ((_, counts),) = read_minutes(client, JOBS_SERIES, now=NOW.timestamp(), minutes=1)
    assert counts == {(("outcome", "failed"),): 1, (("outcome", "succeeded"),): 1}


def test_hubspot_answers_are_charted_for_the_current_portal_only() -> None:
    """An answer counts by status class; the per-minute chart counts it for the portal the
    executor named, and the hub id never reaches a Prometheus label."""
    client = fakeredis.FakeRedis()
    token = job_metrics.CURRENT_PORTAL.set(777)
    try:
        job_metrics.hubspot_response(client, 201, NOW.timestamp())
        job_metrics.hubspot_response(client, None, NOW.timestamp())
        job_metrics.CURRENT_PORTAL.set(None)  # a call outside any job (no portal named)
        job_metrics.hubspot_response(client, 429, NOW.timestamp())
    finally:
        job_metrics.CURRENT_PORTAL.reset(token)
    got = shared_samples(client)
    name = "hubspot_actions_hubspot_requests_total"
    assert got[(name, (("status_class", "2xx"),))] == 1
    assert got[(name, (("status_class", "error"),))] == 1
    assert got[(name, (("status_class", "429"),))] == 1
    ((_, counts),) = read_minutes(client, CALLS_SERIES, now=NOW.timestamp(), minutes=1)
    assert counts == {(("hub", "777"),): 2}
    assert all(v != "777" for _, labels in got for _, v in labels)


def test_a_batch_counted_together_reads_as_its_jobs_counted_one_by_one() -> None:
    """``job_outcomes_ops`` (a coalesced batch's endings added up) leaves every counter,
    histogram bucket, sum and minute as counting each job on its own does, in fewer commands."""
    tools = ["hubspot_contact_update", "hubspot_contact_create"]
    jobs = [
        job_metrics.job_outcome(
            tool=tools[n % 2],
            due=NOW - timedelta(seconds=n % 7 * 4),
            status="failed" if n % 5 == 0 else "succeeded",
            code="hubspot_error" if n % 5 == 0 else None,
            now=NOW + timedelta(seconds=n % 3 * 20),  # across a minute boundary too
        )
        for n in range(60)
    ]
    one_by_one, together = fakeredis.FakeRedis(), fakeredis.FakeRedis()
    for job in jobs:
        pipe = one_by_one.pipeline(transaction=False)
        job_outcome_ops(pipe, **job)
        pipe.execute()
    pipe = together.pipeline(transaction=False)
    job_outcomes_ops(pipe, jobs)
    commands = len(pipe.command_stack)
    pipe.execute()
    assert shared_samples(together) == shared_samples(one_by_one)
    later = (NOW + timedelta(minutes=1)).timestamp()
    assert read_minutes(together, JOBS_SERIES, now=later, minutes=2) == read_minutes(
        one_by_one, JOBS_SERIES, now=later, minutes=2
    )
    assert commands < len(jobs)
