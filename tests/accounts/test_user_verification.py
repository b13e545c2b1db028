"""User verification (DESIGN.md section 9) through the HTTP API, with the sandbox as HubSpot.

With ``OAUTH_USER_VERIFY_URL`` set, a completed consent leaves the account PENDING_VERIFICATION
(tokens stored, nothing runs) and sends the browser to the operator's page; only the operator's
``POST /v1/connected-accounts/verify`` naming the right identifier makes it ACTIVE.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import update

from broker.schedule import REFRESH_SCHEDULE
from store.models import oauth_states
from store.oauth_states import state_hash
from tests.support.accounts_stack import AccountsStack, accounts_stack, unique

VERIFY_URL = "https://app.example.test/hubspot/verify"
CONTACT = ("hubspot_contact_create", {"email": "verified@example.com"})


@pytest.fixture(scope="module")
def acc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AccountsStack]:
    with accounts_stack(
        tmp_path_factory.mktemp("verification"),
        extra_env={"OAUTH_USER_VERIFY_URL": VERIFY_URL},
    ) as stack:
        yield stack


def _consent(acc: AccountsStack, identifier: str) -> tuple[str, str]:
    """Link, consent, callback: the verification redirect's auth_request_id, and the state."""
    flow = acc.flow(identifier)
    response = flow.callback(flow.consent(), html=True)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(VERIFY_URL + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["identifier"] == [identifier]
    (auth_request_id,) = query["auth_request_id"]
    return auth_request_id, flow.state


def _verify(acc: AccountsStack, auth_request_id: str, identifier: str) -> httpx.Response:
    with acc.api() as api:
        return api.post(
            "/v1/connected-accounts/verify",
            json={"auth_request_id": auth_request_id, "identifier": identifier},
        )


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    return error


def test_a_completed_consent_waits_for_verification(acc: AccountsStack) -> None:
    """PENDING_VERIFICATION with the grant recorded and tokens stored, needs_reauth false, and a
    job submit is refused 409 account_pending_verification (the JSON callback redirects too)."""
    identifier = unique("verify_wait")
    flow = acc.flow(identifier)
    json_response = flow.callback(flow.consent())
    assert json_response.status_code == 303
    account = acc.account(identifier)
    assert account["status"] == "PENDING_VERIFICATION"
    assert account["needs_reauth"] is False
    assert account["hub_id"] is not None
    assert account["missing_scopes"] == []
    assert acc.tokens_of(account["id"]) is not None
    refused = acc.stack.submit(identifier, *CONTACT)
    _error(refused, 409, "account_pending_verification")


def test_the_right_identifier_activates_and_jobs_run(acc: AccountsStack) -> None:
    """A wrong identifier is 409 and changes nothing; the right one makes the account ACTIVE, a
    job then succeeds against the sandbox, and the request cannot be used again."""
    identifier = unique("verify_ok")
    auth_request_id, _ = _consent(acc, identifier)
    version = acc.tokens_of(acc.account(identifier)["id"])
    _error(_verify(acc, auth_request_id, unique("someone_else")), 409, "identifier_mismatch")
    assert acc.account(identifier)["status"] == "PENDING_VERIFICATION"
    verified = _verify(acc, auth_request_id, identifier)
    assert verified.status_code == 200, verified.text
    assert verified.json()["connected_account"]["status"] == "ACTIVE"
    after = acc.tokens_of(acc.account(identifier)["id"])
    assert version is not None
    assert after is not None
    assert after.version == version.version  # no second exchange: the consent's tokens serve
    submitted = acc.stack.submit(identifier, *CONTACT)
    assert submitted.status_code == 202, submitted.text
    assert acc.stack.wait(submitted.json()["job"]["id"])["status"] == "succeeded"
    _error(_verify(acc, auth_request_id, identifier), 409, "auth_request_used")
    assert acc.redis().zscore(REFRESH_SCHEDULE, acc.account(identifier)["id"]) is not None


def test_an_unverified_request_expires_with_its_link(acc: AccountsStack) -> None:
    """Past the link's ten minutes: 410 auth_request_expired, the account still waits."""
    identifier = unique("verify_late")
    auth_request_id, state = _consent(acc, identifier)
    with acc.db.write() as conn:
        conn.execute(
            update(oauth_states)
            .where(oauth_states.c.state_hash == state_hash(state))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    _error(_verify(acc, auth_request_id, identifier), 410, "auth_request_expired")
    assert acc.account(identifier)["status"] == "PENDING_VERIFICATION"


def test_unknown_superseded_and_unauthenticated_verifications_are_refused(
    acc: AccountsStack,
) -> None:
    """A made-up id or one superseded by a newer consent: 404; no API key: 401."""
    identifier = unique("verify_refused")
    first, _ = _consent(acc, identifier)
    second, _ = _consent(acc, identifier)
    _error(_verify(acc, "areq_made_up", identifier), 404, "auth_request_not_found")
    _error(_verify(acc, first, identifier), 404, "auth_request_not_found")
    anonymous = httpx.post(
        f"{acc.stack.base_url}/v1/connected-accounts/verify",
        json={"auth_request_id": second, "identifier": identifier},
        timeout=10,
    )
    assert anonymous.status_code == 401
    assert _verify(acc, second, identifier).status_code == 200


def test_a_job_that_slipped_in_fails_at_start_and_the_refresher_leaves_it_waiting(
    acc: AccountsStack,
) -> None:
    """A job scheduled while ACTIVE, due after a re-consent left the account waiting, fails with
    account_pending_verification; a due refresh does not make the account ACTIVE."""
    identifier = unique("verify_slip")
    auth_request_id, _ = _consent(acc, identifier)
    assert _verify(acc, auth_request_id, identifier).status_code == 200
    run_at = (datetime.now(UTC) + timedelta(seconds=4)).isoformat()
    submitted = acc.stack.submit(identifier, *CONTACT, run_at=run_at)
    assert submitted.status_code == 202, submitted.text
    _consent(acc, identifier)  # the user authorizes again: waiting for verification again
    account_id = acc.account(identifier)["id"]
    version = acc.tokens_of(account_id)
    acc.redis().zadd(REFRESH_SCHEDULE, {account_id: time.time()})
    job = acc.stack.wait(submitted.json()["job"]["id"], timeout=25)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "account_pending_verification"
    deadline = time.monotonic() + 15
    while acc.redis().zscore(REFRESH_SCHEDULE, account_id) is not None:
        assert time.monotonic() < deadline, "the refresher kept the waiting account scheduled"
        time.sleep(0.2)
    assert acc.account(identifier)["status"] == "PENDING_VERIFICATION"
    after = acc.tokens_of(account_id)
    assert version is not None
    assert after is not None
    assert after.version == version.version
