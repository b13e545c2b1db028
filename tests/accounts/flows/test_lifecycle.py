"""Connected accounts through the running system: create, list, re-authorize, delete."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from broker.schedule import REFRESH_SCHEDULE
from schemas.accounts import AccountStatus
from store.models import tokens
from tests.support.accounts_stack import AccountsStack, unique

CONTACTS_LIST = ("hubspot_contacts_list", {"limit": 1})


def _refresh_grant(acc: AccountsStack, refresh_token: str) -> httpx.Response:
    """What HubSpot answers our app for this refresh token right now."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": acc.env["HUBSPOT_CLIENT_ID"],
        "client_secret": acc.env["HUBSPOT_CLIENT_SECRET"],
    }
    return acc.stack.sandbox.http.post("/oauth/v3/token", data=form)


def _run(acc: AccountsStack, identifier: str) -> dict[str, Any]:
    submitted = acc.stack.submit(identifier, *CONTACTS_LIST)
    assert submitted.status_code == 202, submitted.text
    return acc.stack.wait(submitted.json()["job"]["id"])


def test_concurrent_get_or_create_over_http_returns_one_account(acc: AccountsStack) -> None:
    """Twenty-four simultaneous POSTs for one identifier: all 200, all the same account."""
    identifier = unique("race")

    def create(_: int) -> httpx.Response:
        with acc.api() as api:
            return api.post(
                "/v1/connected-accounts",
                json={"connection_name": "hubspot", "identifier": identifier},
            )

    with ThreadPoolExecutor(max_workers=24) as pool:
        responses = list(pool.map(create, range(24)))
    assert {r.status_code for r in responses} == {200}
    ids = {r.json()["connected_account"]["id"] for r in responses}
    assert len(ids) == 1
    account = responses[0].json()["connected_account"]
    assert account["status"] == "PENDING"
    assert account["needs_reauth"] is True


def test_listing_filters_by_status_and_pages_by_cursor(acc: AccountsStack) -> None:
    """Every account appears once across pages; the status filter keeps only its status."""
    prefix = unique("list")
    active = [acc.connect(f"{prefix}_a{i}")["id"] for i in range(2)]
    pending = []
    with acc.api() as api:
        for i in range(3):
            body = {"connection_name": "hubspot", "identifier": f"{prefix}_p{i}"}
            pending.append(api.post("/v1/connected-accounts", json=body).json())
        seen: list[str] = []
        after = None
        while True:
            params: dict[str, Any] = {"limit": 2, **({"after": after} if after else {})}
            page = api.get("/v1/connected-accounts", params=params).json()
            assert len(page["connected_accounts"]) <= 2
            seen += [a["id"] for a in page["connected_accounts"]]
            after = page["next_after"]
            if after is None:
                break
        only_active = api.get("/v1/connected-accounts", params={"status": "ACTIVE", "limit": 200})
        bad_status = api.get("/v1/connected-accounts", params={"status": "SLEEPING"})
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen)
    assert set(active) <= set(seen)
    assert {p["connected_account"]["id"] for p in pending} <= set(seen)
    statuses = {a["status"] for a in only_active.json()["connected_accounts"]}
    assert statuses == {"ACTIVE"}
    assert set(active) <= {a["id"] for a in only_active.json()["connected_accounts"]}
    assert bad_status.status_code == 422


def test_authorization_puts_the_account_on_the_refresh_schedule(acc: AccountsStack) -> None:
    """ACTIVE after the callback, scheduled at expiry minus the margin (and a small jitter)."""
    account = acc.connect(unique("sched"))
    due = acc.redis().zscore(REFRESH_SCHEDULE, account["id"])
    assert due is not None
    expires = datetime.fromisoformat(account["token_expires_at"]).timestamp()
    assert expires - 300 - 30 <= due <= expires - 300
    assert account["granted_scopes"]
    assert account["missing_scopes"] == []
    assert account["hub_id"]


def test_delete_revokes_at_hubspot_wipes_tokens_and_disconnects(acc: AccountsStack) -> None:
    """DELETE: HubSpot refuses the refresh token afterwards, no token row, off the schedule."""
    identifier = unique("del")
    account = acc.connect(identifier)
    held = acc.tokens_of(account["id"])
    assert held is not None
    refresh = held.refresh_token.get_secret_value()
    assert _refresh_grant(acc, refresh).status_code == 200
    old_link = acc.flow(identifier)
    with acc.api() as api:
        deleted = api.delete(f"/v1/connected-accounts/hubspot/{identifier}")
    assert deleted.status_code == 200
    view = deleted.json()["connected_account"]
    assert view["status"] == "DISCONNECTED"
    assert view["needs_reauth"] is True
    assert view["token_expires_at"] is None
    assert view["id"] == account["id"]
    rejected = _refresh_grant(acc, refresh)
    assert rejected.status_code == 400
    assert rejected.json()["status"] == "BAD_REFRESH_TOKEN"
    with acc.db.read() as conn:
        assert (
            conn.execute(select(tokens).where(tokens.c.account_id == account["id"])).first() is None
        )
    assert acc.redis().zscore(REFRESH_SCHEDULE, account["id"]) is None
    # A link handed out before the disconnect no longer works.
    stale = old_link.callback(old_link.consent())
    assert stale.status_code == 400
    assert stale.json()["error"]["code"] == "invalid_state"
    assert acc.account(identifier)["status"] == "DISCONNECTED"


@pytest.mark.parametrize(
    "fault", [{"drop": "before"}, {"status": 503}], ids=["connection-dropped", "hubspot-503"]
)
@pytest.mark.usefixtures("clean_faults")
def test_delete_still_disconnects_when_hubspot_is_unreachable(
    acc: AccountsStack, fault: dict[str, Any]
) -> None:
    """Revocation failing leaves a logged warning, and the account DISCONNECTED without tokens."""
    identifier = unique("del_offline")
    account = acc.connect(identifier)
    acc.stack.sandbox.control.add_fault("/oauth/v3/token/revoke", **fault)
    with acc.api() as api:
        deleted = api.delete(f"/v1/connected-accounts/hubspot/{identifier}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["connected_account"]["status"] == "DISCONNECTED"
    assert acc.tokens_of(account["id"]) is None
    warnings = [
        line
        for line in acc.stack.processes["web"].output().splitlines()
        if "account.revoke_failed_disconnecting_locally" in line and account["id"] in line
    ]
    assert warnings, acc.stack.processes["web"].output()[-3000:]
    assert '"level": "warning"' in warnings[0]


@pytest.mark.parametrize("how", ["REVOKED", "DISCONNECTED"])
def test_reauthorizing_brings_the_same_account_back(acc: AccountsStack, how: str) -> None:
    """A revoked or disconnected account authorized again is the same account, ACTIVE."""
    identifier = unique(f"back_{how.lower()}")
    first = acc.connect(identifier)
    if how == "REVOKED":
        acc.set_status(identifier, AccountStatus.REVOKED)
    else:
        with acc.api() as api:
            assert api.delete(f"/v1/connected-accounts/hubspot/{identifier}").status_code == 200
    assert acc.account(identifier)["needs_reauth"] is True
    again = acc.connect(identifier, hub_id=first["hub_id"])
    assert again["id"] == first["id"]
    assert again["status"] == "ACTIVE"
    assert again["status_reason"] is None
    assert again["needs_reauth"] is False
    assert _run(acc, identifier)["status"] == "succeeded"


def test_same_portal_under_two_identifiers_stays_two_accounts(acc: AccountsStack) -> None:
    """Each consent has its own refresh token; deleting one account leaves the other working."""
    hub_id = acc.stack.new_portal()
    one, two = unique("twin_one"), unique("twin_two")
    first, second = acc.connect(one, hub_id=hub_id), acc.connect(two, hub_id=hub_id)
    assert first["hub_id"] == second["hub_id"] == hub_id
    assert first["id"] != second["id"]
    tokens_one, tokens_two = acc.tokens_of(first["id"]), acc.tokens_of(second["id"])
    assert tokens_one is not None
    assert tokens_two is not None
    refresh_two = tokens_two.refresh_token.get_secret_value()
    assert tokens_one.refresh_token.get_secret_value() != refresh_two
    with acc.api() as api:
        assert api.delete(f"/v1/connected-accounts/hubspot/{one}").status_code == 200
    assert acc.account(two)["status"] == "ACTIVE"
    assert _run(acc, two)["status"] == "succeeded"
    assert _refresh_grant(acc, refresh_two).status_code == 200
    refused = acc.stack.submit(one, *CONTACTS_LIST)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "account_disconnected"
