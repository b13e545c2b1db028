"""No token (nor the client secret, nor an API key) in logs, Redis, job rows, the database file
or error text, after a full flow with failures, disconnects and a refresh.

Runs on SQLite so the database file itself can be searched byte for byte (WAL included). The
literal token values come from the sandbox, which records every token it issues.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from sandbox.config import SandboxConfig
from store.models import jobs
from tests.support.accounts_secrets import (
    RedisMonitor,
    files_under,
    leaks,
    named,
    redis_contents,
)
from tests.support.accounts_stack import AccountsStack, accounts_stack, unique

CONTACTS_LIST = ("hubspot_contacts_list", {"limit": 1})


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("secret-leaks")


@pytest.fixture(scope="module")
def acc(workdir: Path) -> Iterator[AccountsStack]:
    with accounts_stack(
        workdir / "logs",
        database="sqlite",
        sqlite_path=workdir / "db" / "hubspot-actions.db",
        sandbox_config=SandboxConfig(rotate_refresh_tokens=True),
        extra_env={"LOG_LEVEL": "DEBUG"},
    ) as stack:
        yield stack


@pytest.fixture
def monitor(acc: AccountsStack) -> Iterator[RedisMonitor]:
    recording = RedisMonitor(acc.env["REDIS_URL"])
    recording.start()
    yield recording
    recording.stop()


def _places(
    acc: AccountsStack, workdir: Path, monitor: RedisMonitor, texts: list[str]
) -> dict[str, bytes | str]:
    with acc.db.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(jobs))]
    return {
        **files_under(workdir / "logs"),
        **files_under(workdir / "db"),
        **redis_contents(acc.redis()),
        "redis MONITOR": monitor.stop(),
        "job rows": json.dumps(rows, default=str),
        **{f"response #{n}": text for n, text in enumerate(texts, 1)},
    }


def _secrets(acc: AccountsStack) -> dict[str, str]:
    return {
        **named("access token", acc.issued.access),
        **named("refresh token", acc.issued.refresh),
        "client secret": acc.env["HUBSPOT_CLIENT_SECRET"],
        "API key": acc.stack.api_key,
    }


def _run(acc: AccountsStack, identifier: str, tool: str, tool_input: object) -> dict[str, object]:
    submitted = acc.stack.submit(identifier, tool, tool_input)  # type: ignore[arg-type]
    assert submitted.status_code == 202, submitted.text
    return acc.stack.wait(submitted.json()["job"]["id"], timeout=30)


def test_no_secret_leaks_through_flows_failures_and_disconnects(
    acc: AccountsStack, workdir: Path, monitor: RedisMonitor
) -> None:
    """Connect (HTML page), succeed, fail (404, 401 then refresh, replayed code), disconnect
    with HubSpot up and down: no secret anywhere we can look."""
    texts: list[str] = []
    control = acc.stack.sandbox.control
    alice, bob = unique("leak_alice"), unique("leak_bob")
    flow = acc.flow(alice)
    redirect = flow.consent()
    page = flow.callback(redirect, html=True)
    assert page.status_code == 200
    texts.append(page.text)
    alice_id = acc.account(alice)["id"]
    held = acc.tokens_of(alice_id)
    assert held is not None
    # The literals we search for are the real ones: the vault holds what the sandbox issued.
    assert held.access_token.get_secret_value() in acc.issued.access
    assert held.refresh_token.get_secret_value() in acc.issued.refresh
    acc.connect(bob)
    assert _run(acc, alice, *CONTACTS_LIST)["status"] == "succeeded"
    missing = _run(acc, alice, "hubspot_contact_get", {"contact_id": "999999"})
    assert missing["status"] == "failed"
    texts.append(json.dumps(missing))
    control.add_fault("/crm/v3/objects/contacts", method="GET", status=401, count=1)
    try:
        after_401 = _run(acc, alice, *CONTACTS_LIST)
    finally:
        control.clear_faults()
    texts.append(json.dumps(after_401))
    replayed = flow.callback(redirect)
    assert replayed.status_code == 409
    texts.append(replayed.text)
    fresh = acc.flow(alice)
    code_again = fresh.callback(redirect.replace(flow.state, fresh.state))
    assert code_again.status_code == 400
    texts.append(code_again.text)
    control.add_fault("/oauth/v3/token/revoke", drop="before")
    try:
        with acc.api() as api:
            texts.append(api.delete(f"/v1/connected-accounts/hubspot/{bob}").text)
    finally:
        control.clear_faults()
    with acc.api() as api:
        texts.append(api.delete(f"/v1/connected-accounts/hubspot/{alice}").text)
        texts.append(api.get("/v1/connected-accounts", params={"limit": 200}).text)
    places = _places(acc, workdir, monitor, texts)
    # Each place was really read: it holds what it should (ids), just never a secret.
    markers = {"account id": alice_id, "job id": str(missing["id"]), "identifier": alice}
    found_in = {found.split(" in ", 1)[1] for found in leaks(markers, places)}
    assert {"file:web.log", "file:worker.log", "redis MONITOR", "job rows"} <= found_in
    assert found_in & {"file:hubspot-actions.db", "file:hubspot-actions.db-wal"}
    assert leaks(_secrets(acc), places) == []


def test_no_secret_leaks_through_a_refresh(
    acc: AccountsStack, workdir: Path, monitor: RedisMonitor
) -> None:
    """HubSpot's clock jumps past the token's expiry: the next job refreshes (a new access and,
    rotating, refresh token) and succeeds; none of the tokens shows up anywhere."""
    carol = unique("leak_carol")
    account = acc.connect(carol)
    issued_before = len(acc.issued.access)
    acc.stack.sandbox.control.advance_clock(acc.stack.sandbox.config.token_ttl + 60)
    done = _run(acc, carol, *CONTACTS_LIST)
    assert done["status"] == "succeeded", done
    assert len(acc.issued.access) > issued_before
    refreshes = acc.stack.sandbox.control.stats()["refreshes"]
    assert refreshes.get(str(account["hub_id"]), 0) >= 1
    places = _places(acc, workdir, monitor, [json.dumps(done), json.dumps(acc.account(carol))])
    assert leaks(_secrets(acc), places) == []
