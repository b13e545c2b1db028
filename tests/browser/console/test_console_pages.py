"""The console as an operator uses it, in headless Chromium (DESIGN.md section 16)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import Stack
from tests.support.tools_stack import connect_account, run_job, unique

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.services]

PAGES = ["/console", "/console/accounts", "/console/jobs", "/console/schedules", "/console/failed"]


@dataclass(frozen=True)
class Seeded:
    identifier: str
    hub_id: int
    succeeded: list[str]
    failed: str


@pytest.fixture(scope="module")
def seeded(stack: Stack) -> Seeded:
    """One connected account with two succeeded jobs and one failed (a one-off sandbox 400)."""
    account = connect_account(stack, "console")
    identifier = str(account["identifier"])
    ok = [
        run_job(stack, identifier, "hubspot_company_create", {"name": unique("Console Co")})
        for _ in range(2)
    ]
    stack.sandbox.control.add_fault("/crm/v3/objects/companies", method="POST", status=400, count=1)
    try:
        failed = run_job(stack, identifier, "hubspot_company_create", {"name": unique("Bad Co")})
    finally:
        stack.sandbox.control.clear_faults()
    assert [j["status"] for j in ok] == ["succeeded", "succeeded"]
    assert failed["status"] == "failed"
    return Seeded(identifier, int(account["hub_id"]), [j["id"] for j in ok], failed["id"])


def sign_in(page: Any, stack: Stack) -> None:
    page.goto(f"{stack.base_url}/console")
    assert page.url.endswith("/console/signin")
    page.fill("#api_key", stack.api_key)
    page.click("form.signin button[type=submit]")
    page.wait_for_url(f"{stack.base_url}/console")


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def test_sign_in_lands_on_the_charts(
    page: Any, stack: Stack, seeded: Seeded, artifacts: Path
) -> None:
    """Signing in with the API key shows the overview: jobs per minute by outcome, and the
    seeded portal's three HubSpot calls against the budget line."""
    sign_in(page, stack)
    shot(page, artifacts, "overview")
    jobs_chart = page.locator("#jobs-chart svg")
    succeeded = jobs_chart.locator('polyline[data-series="succeeded"]')
    failed = jobs_chart.locator('polyline[data-series="failed"]')
    assert int(succeeded.get_attribute("data-total")) >= 2
    assert int(failed.get_attribute("data-total")) >= 1
    portal = page.locator(f'#calls-chart polyline[data-series="portal {seeded.hub_id}"]')
    assert portal.get_attribute("data-total") == "3"
    budget = page.locator('#calls-chart polyline[data-series="budget"]')
    assert budget.get_attribute("data-total") == str(
        int(stack.env.get("HUBSPOT_RATE_LIMIT_PER_10S", "100")) * 6
    )


def test_accounts_page_shows_the_seeded_account_and_a_fresh_link(
    page: Any, stack: Stack, seeded: Seeded, artifacts: Path
) -> None:
    """The account's row shows ACTIVE, its hub and token expiry, no reauth needed; the button
    shows a fresh authorization link to the sandbox's authorize page."""
    sign_in(page, stack)
    page.goto(f"{stack.base_url}/console/accounts")
    row = page.locator(f'tr[data-identifier="{seeded.identifier}"]')
    cells = row.locator("td").all_inner_texts()
    assert cells[:3] == [seeded.identifier, "ACTIVE", str(seeded.hub_id)]
    assert cells[3].endswith("UTC")
    assert cells[4] == "no"
    assert cells[5] == ""
    row.locator("button").click()
    page.wait_for_selector("#fresh-link")
    link = page.locator("#link-value").input_value()
    assert link.startswith(f"{stack.sandbox.base_url}/oauth/authorize?")
    shot(page, artifacts, "accounts")


def test_jobs_page_filters_and_shows_attempts_and_errors(
    page: Any, stack: Stack, seeded: Seeded, artifacts: Path
) -> None:
    """Filtered by the identifier the page lists the three jobs with their attempts; filtered
    by status failed, only the failed one with its error code."""
    sign_in(page, stack)
    page.goto(f"{stack.base_url}/console/jobs?identifier={seeded.identifier}")
    rows = page.locator("#jobs tbody tr")
    ids = {r.get_attribute("data-job-id") for r in rows.all()}
    assert ids == {*seeded.succeeded, seeded.failed}
    ok_row = page.locator(f'tr[data-job-id="{seeded.succeeded[0]}"]')
    assert ok_row.locator("ol.history li").all_inner_texts() == ["succeeded (HTTP 201)"]
    shot(page, artifacts, "jobs")
    page.select_option("select[name=status]", "failed")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**status=failed**")
    failed_rows = page.locator("#jobs tbody tr")
    assert [r.get_attribute("data-job-id") for r in failed_rows.all()] == [seeded.failed]
    assert failed_rows.locator(".error-cell code").inner_text() == "hubspot_error"
    assert failed_rows.locator("ol.history li").all_inner_texts() == ["hubspot_error (HTTP 400)"]
    shot(page, artifacts, "jobs_failed")


def test_schedules_page_shows_both_schedules(
    page: Any, stack: Stack, seeded: Seeded, artifacts: Path
) -> None:
    """The refresh schedule holds the seeded account's next refresh; both show size and lag."""
    sign_in(page, stack)
    page.goto(f"{stack.base_url}/console/schedules")
    refresh = page.locator("#schedule-refresh")
    jobs = page.locator("#schedule-jobs")
    assert int(refresh.locator(".size").inner_text()) >= 1
    assert float(refresh.locator(".lag").inner_text()) >= 0
    assert jobs.locator(".size").count() == 1
    shot(page, artifacts, "schedules")


def test_retry_from_the_failed_jobs_page(
    page: Any, stack: Stack, seeded: Seeded, artifacts: Path
) -> None:
    """Clicking Retry on the failed job submits a new job, named on the page, that succeeds."""
    sign_in(page, stack)
    page.goto(f"{stack.base_url}/console/failed")
    row = page.locator(f'tr[data-job-id="{seeded.failed}"]')
    shot(page, artifacts, "failed")
    row.locator("button", has_text="Retry").click()
    page.wait_for_selector("#retried")
    new_id = page.locator("#retried code").inner_text()
    assert new_id.startswith("job_")
    assert new_id != seeded.failed
    shot(page, artifacts, "failed_retried")
    job = stack.wait(new_id, timeout=30)
    assert job["status"] == "succeeded", job
    assert job["identifier"] == seeded.identifier
    assert job["tool_name"] == "hubspot_company_create"


@pytest.mark.parametrize("path", PAGES)
def test_no_page_without_the_cookie(page: Any, stack: Stack, path: str) -> None:
    """A browser without the session cookie is sent to the sign-in page from every page."""
    page.goto(f"{stack.base_url}{path}")
    assert page.url == f"{stack.base_url}/console/signin"
    assert page.locator("#api_key").count() == 1


def test_a_wrong_key_stays_on_the_sign_in_page(page: Any, stack: Stack) -> None:
    """A wrong key shows the error and sets no cookie."""
    page.goto(f"{stack.base_url}/console/signin")
    page.fill("#api_key", "hak_not_a_key")
    page.click("form.signin button[type=submit]")
    page.wait_for_selector("p.error")
    assert page.locator("p.error").inner_text() == "That API key is not valid."
    assert page.context.cookies() == []


def test_the_session_cookie_flags(page: Any, stack: Stack, seeded: Seeded) -> None:
    """The cookie is HttpOnly (scripts cannot read it), SameSite=Strict, scoped to /console,
    expiring within 8 hours, not Secure on this plain-HTTP local stack."""
    sign_in(page, stack)
    (cookie,) = page.context.cookies()
    assert cookie["name"] == "ha_console"
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/console"
    assert cookie["secure"] is False
    assert 0 < cookie["expires"] - time.time() <= 8 * 3600 + 5
    assert "ha_console" not in page.evaluate("document.cookie")
    assert stack.api_key not in cookie["value"]
