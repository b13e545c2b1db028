"""Token refresh under races and faults, through real processes (DESIGN.md s7, s8).

One stack for the module: three worker processes, tokens living 10 s and refreshed 4 s ahead,
3-second job leases. Each test connects its own accounts and asserts about them only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from broker.schedule import REFRESH_SCHEDULE
from tests.support.refresh_stack import (
    LIST_INPUT,
    LIST_ROUTE,
    LIST_TOOL,
    RefreshStack,
    refresh_stack,
    wait_until,
)
from tests.support.stack import CLIENT_ID

pytestmark = [pytest.mark.services, pytest.mark.e2e, pytest.mark.slow]

TOKEN_TTL = 10
MARGIN = 4
WORKER_THREADS_TOTAL = 3 * 4
TOKEN_ROUTE = "POST /oauth/v3/token"
GET_CONTACT_ROUTE = "GET /crm/v3/objects/contacts/{id}"


@pytest.fixture(scope="module")
def rs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RefreshStack]:
    log_dir: Path = tmp_path_factory.mktemp("refresh-faults")
    env = {"WORKER_PROCESSES": "3", "WORKER_THREADS": "4", "JOB_LEASE_SECONDS": "3"}
    with refresh_stack(log_dir, token_ttl=TOKEN_TTL, margin_s=MARGIN, extra_env=env) as stack:
        yield stack


@pytest.fixture(autouse=True)
def _no_faults_left(rs: RefreshStack) -> Iterator[None]:
    yield
    rs.stack.sandbox.control.clear_faults()


def _status_count(rs: RefreshStack, route: str, status: int) -> int:
    return int(rs.stats()["requests"].get(route, {}).get(str(status), 0))


def test_a_refresh_race_reaches_hubspot_once(rs: RefreshStack) -> None:
    """Three worker processes and two schedulers need one account's refresh at once: HubSpot
    sees one refresh and every job succeeds."""
    account = rs.stack.connect("race")
    second = rs.stack.start("scheduler-2", "scheduler")
    try:
        # Given: our side believes the token expires within every job's safety margin.
        rs.set_expiry(account["id"], datetime.now(UTC) + timedelta(seconds=1))
        # When: 24 jobs start across the workers while both schedulers keep claiming the
        # account's refresh entry.
        ids = rs.submit_many([("race", LIST_TOOL, LIST_INPUT)] * 24)
        for _ in range(6):
            rs.redis.zadd(REFRESH_SCHEDULE, {account["id"]: 0})
            time.sleep(0.25)
        views = rs.wait_jobs(ids)
    finally:
        second.stop()
    # Then
    assert [v["status"] for v in views] == ["succeeded"] * 24, rs.tail()
    assert rs.refreshes(account["hub_id"]) == 1
    assert rs.token(account["id"])[0] == 2
    stats = rs.stats()
    assert stats["double_refreshes"] == 0
    assert stats["expired_token_401"] == 0


def test_uninstall_revokes_within_one_refresh_and_queued_jobs_never_call(rs: RefreshStack) -> None:
    """Uninstalled while jobs are queued: one rejected refresh makes the account REVOKED; jobs
    still queued fail account_revoked at once; nothing calls HubSpot for it afterwards."""
    account = rs.stack.connect("uninstalled")
    control = rs.stack.sandbox.control
    control.add_fault("/crm/v3/objects/contacts", method="GET", latency_ms=2000)
    rejected_before = _status_count(rs, TOKEN_ROUTE, 400)
    calls_before = rs.route_requests(LIST_ROUTE)
    applied_before = rs.stats()["faults_applied"]
    # Given: more jobs than worker threads, the first ones in flight at HubSpot.
    ids = rs.submit_many([("uninstalled", LIST_TOOL, LIST_INPUT)] * (WORKER_THREADS_TOTAL + 8))
    wait_until(lambda: rs.stats()["faults_applied"] > applied_before, timeout=20, what="a call")
    # When: the user uninstalls the app.
    control.uninstall(account["hub_id"], CLIENT_ID)
    views = rs.wait_jobs(ids)

    # Then: REVOKED, with the reason, after exactly one refresh attempt.
    view = rs.account("uninstalled")
    assert view["status"] == "REVOKED"
    assert "BAD_REFRESH_TOKEN" in view["status_reason"]
    assert view["needs_reauth"] is True
    assert _status_count(rs, TOKEN_ROUTE, 400) - rejected_before == 1
    assert rs.refresh_due(account["id"]) is None
    # Every job failed account_revoked with a link; those still queued never ran at all.
    assert {v["error"]["code"] for v in views} == {"account_revoked"}
    assert all(v["error"]["reauth_link"] for v in views)
    never_ran = [v for v in views if not v["history"]]
    ran = [v for v in views if v["history"]]
    assert never_ran
    # Only the calls already in flight reached HubSpot, one per job that ran.
    calls = rs.route_requests(LIST_ROUTE) - calls_before
    assert calls == len(ran) <= WORKER_THREADS_TOTAL
    refused = rs.stack.submit("uninstalled", LIST_TOOL, LIST_INPUT)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "account_revoked"
    time.sleep(1.0)
    assert rs.route_requests(LIST_ROUTE) - calls_before == calls


def test_a_failing_token_endpoint_expires_then_recovers_and_loses_no_job(
    rs: RefreshStack,
) -> None:
    """5xx from the token endpoint: the account shows EXPIRED past its token's expiry and stays
    scheduled; jobs wait; once the endpoint is back the account is ACTIVE and the jobs succeed."""
    account = rs.stack.connect("outage")
    control = rs.stack.sandbox.control
    expired_401s = rs.stats()["expired_token_401"]
    control.add_fault("/oauth/v3/token", method="POST", status=503)
    try:
        wait_until(lambda: rs.account("outage")["status"] == "EXPIRED", timeout=30, what="EXPIRED")
        view = rs.account("outage")
        assert "hubspot_unavailable" in view["status_reason"]
        assert view["needs_reauth"] is False
        assert rs.refresh_due(account["id"]) is not None
        ids = rs.submit_many([("outage", LIST_TOOL, LIST_INPUT)] * 3)
        wait_until(
            lambda: all(v["status"] == "retrying" for v in rs.jobs(ids)),
            timeout=20,
            what="jobs waiting for the refresh",
        )
    finally:
        control.clear_faults()
    views = rs.wait_jobs(ids, timeout=90)
    assert [v["status"] for v in views] == ["succeeded"] * 3, rs.tail()
    for v in views:
        assert v["history"][0]["outcome"] == "retry"
    wait_until(lambda: rs.account("outage")["status"] == "ACTIVE", timeout=20, what="ACTIVE")
    view = rs.account("outage")
    assert view["status_reason"] is None
    assert datetime.fromisoformat(view["token_expires_at"]) > datetime.now(UTC)
    assert rs.stats()["expired_token_401"] == expired_401s


def test_a_redis_flush_loses_no_job_and_no_account(rs: RefreshStack) -> None:
    """FLUSHDB mid-run: the sweep puts every account back on the refresh schedule and every lost
    job back on its queue or schedule; each account is refreshed before its token expires."""
    accounts = [rs.stack.connect(f"flush_{i}") for i in range(4)]
    first_expiry = {a["id"]: rs.token(a["id"])[1] for a in accounts}
    expired_401s = rs.stats()["expired_token_401"]
    rs.stack.processes["worker"].stop()
    try:
        # Given: jobs queued (their messages in Redis) and one waiting for its run_at.
        ids = rs.submit_many([(a["identifier"], LIST_TOOL, LIST_INPUT) for a in accounts] * 2)
        run_at = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
        later = rs.stack.submit("flush_0", LIST_TOOL, LIST_INPUT, run_at=run_at)
        assert later.status_code == 202
        ids.append(later.json()["job"]["id"])
        # When: Redis loses everything.
        rs.redis.flushdb()
        assert all(rs.refresh_due(a["id"]) is None for a in accounts)
    finally:
        rs.stack.start("worker")
    # Then
    wait_until(
        lambda: all(rs.refresh_due(a["id"]) is not None for a in accounts),
        timeout=20,
        what="the sweep to restore the refresh schedule",
    )
    views = rs.wait_jobs(ids, timeout=60)
    assert [v["status"] for v in views] == ["succeeded"] * len(ids), rs.tail()
    wait_until(
        lambda: all(rs.token(a["id"])[0] >= 2 for a in accounts),
        timeout=TOKEN_TTL + 20,
        what="every account refreshed",
    )
    for a in accounts:
        view = rs.account(a["identifier"])
        assert view["status"] == "ACTIVE"
        assert datetime.fromisoformat(view["last_refreshed_at"]) < first_expiry[a["id"]]
    assert rs.stats()["expired_token_401"] == expired_401s


def test_a_killed_worker_job_runs_again_after_its_lease_and_finishes_once(
    rs: RefreshStack,
) -> None:
    """SIGKILL mid-call: the job is re-queued when its lease lapses, re-run by a new worker and
    finished exactly once."""
    rs.stack.connect("killed")
    created = rs.wait_jobs(
        [rs.submit_many([("killed", "hubspot_contact_create", {"email": "killed@b.co"})])[0]]
    )[0]
    assert created["status"] == "succeeded", created
    contact_id = created["result"]["id"]
    control = rs.stack.sandbox.control
    control.add_fault(f"/crm/v3/objects/contacts/{contact_id}", method="GET", latency_ms=4000)
    gets_before = rs.route_requests(GET_CONTACT_ROUTE)
    applied_before = rs.stats()["faults_applied"]
    # Given: a GET in flight at HubSpot.
    (job_id,) = rs.submit_many([("killed", "hubspot_contact_get", {"contact_id": contact_id})])
    wait_until(lambda: rs.stats()["faults_applied"] > applied_before, timeout=20, what="the GET")
    # When: the whole worker (supervisor and children) is killed, then a new one starts.
    rs.stack.processes["worker"].kill()
    control.clear_faults()
    rs.stack.start("worker")
    # Then
    (view,) = rs.wait_jobs([job_id], timeout=60)
    assert view["status"] == "succeeded", rs.tail()
    assert view["result"]["id"] == contact_id
    assert [h["outcome"] for h in view["history"]] == ["lease_lapsed", "succeeded"]
    wait_until(
        lambda: rs.route_requests(GET_CONTACT_ROUTE) - gets_before == 2,
        timeout=10,
        what="the killed call's answer to be counted",
    )
    finished = [
        line
        for line in rs.stack.processes["worker"].output().splitlines()
        if '"job.finished"' in line and json.loads(line).get("job_id") == job_id
    ]
    assert len(finished) == 1


def test_a_job_after_the_scheduler_was_down_refreshes_inline(rs: RefreshStack) -> None:
    """Scheduler stopped for two token lifetimes, then a job arrives (the midnight trigger): it
    refreshes inline and succeeds, without ever presenting the expired token."""
    account = rs.stack.connect("midnight")
    scheduler = rs.stack.processes["scheduler"]
    scheduler.stop()
    try:
        time.sleep(2 * TOKEN_TTL)
        version, expires_at = rs.token(account["id"])
        assert version == 1
        assert expires_at < datetime.now(UTC)
        assert rs.refreshes(account["hub_id"]) == 0
        expired_401s = rs.stats()["expired_token_401"]
        (view,) = rs.wait_jobs(rs.submit_many([("midnight", LIST_TOOL, LIST_INPUT)]))
    finally:
        rs.stack.start("scheduler")
    assert view["status"] == "succeeded", rs.tail()
    assert view["attempts"] == 1
    assert rs.refreshes(account["hub_id"]) == 1
    assert rs.token(account["id"])[0] == 2
    assert rs.stats()["expired_token_401"] == expired_401s
