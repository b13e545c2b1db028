"""Rotating the token encryption key while tool calls keep running."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from store.accounts import AccountStore
from store.keyring import generate_key_spec
from tests.support.accounts_stack import AccountsStack, accounts_stack, unique

OLD = generate_key_spec("old")
NEW = generate_key_spec("new")
#: Accounts with tokens but no traffic, so that rotation takes a while around the live ones.
FILLERS = 120
CONTACTS_LIST = ("hubspot_contacts_list", {"limit": 1})


@pytest.fixture(scope="module")
def acc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AccountsStack]:
    with accounts_stack(
        tmp_path_factory.mktemp("key-rotation"),
        extra_env={"TOKEN_ENCRYPTION_KEYS": OLD, "HUBSPOT_RATE_LIMIT_PER_10S": "0"},
    ) as stack:
        stack.stack.sandbox.control.set_limits(burst_per_10s=0, search_per_second=0)
        yield stack


def _fillers(acc: AccountsStack, count: int) -> None:
    store, vault = AccountStore(db=acc.db), acc.vault(OLD)
    ids = [
        store.get_or_create(connection_name="hubspot", identifier=unique("filler")).id
        for _ in range(count)
    ]
    expires = datetime.now(UTC) + timedelta(minutes=30)
    with acc.db.write() as conn:
        for account_id in ids:
            vault.put(conn, account_id=account_id, access="a", refresh="r", expires_at=expires)


def _restart_all(acc: AccountsStack, keys: str) -> None:
    acc.restart("web", "worker", "scheduler", TOKEN_ENCRYPTION_KEYS=keys)


class Submitter(threading.Thread):
    """Submits a job every tenth of a second, round robin over the identifiers, until stopped."""

    def __init__(self, acc: AccountsStack, identifiers: list[str]) -> None:
        super().__init__(name="submitter", daemon=True)
        self.acc = acc
        self.identifiers = identifiers
        self.stop = threading.Event()
        self.job_ids: list[str] = []
        self.refused: list[str] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            identifier = self.identifiers[n % len(self.identifiers)]
            response = self.acc.stack.submit(identifier, *CONTACTS_LIST)
            if response.status_code == 202:
                self.job_ids.append(response.json()["job"]["id"])
            else:
                self.refused.append(response.text)
            n += 1
            self.stop.wait(0.1)


def test_rotation_under_load_then_the_old_key_is_removed(acc: AccountsStack) -> None:
    """Every job submitted before, during and after ``keys rotate`` succeeds; afterwards every
    token is under the new key, and with the old key gone jobs (and new connections) still work."""
    _fillers(acc, FILLERS // 2)
    identifiers = [unique("rot") for _ in range(3)]
    for identifier in identifiers:
        acc.connect(identifier)
    _fillers(acc, FILLERS // 2)
    assert acc.vault(OLD).key_usage() == {"old": FILLERS + 3}
    # Step 1 of the runbook: every process gets the new key first, the old one after it.
    _restart_all(acc, f"{NEW},{OLD}")
    submitter = Submitter(acc, identifiers)
    submitter.start()
    try:
        time.sleep(0.5)
        env = {k: v for k, v in acc.env.items() if k != "REDIS_URL"}  # it needs no Redis
        rotated = subprocess.run(
            [sys.executable, "-m", "cli", "keys", "rotate"],
            env={**env, "TOKEN_ENCRYPTION_KEYS": f"{NEW},{OLD}"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        time.sleep(0.5)
    finally:
        submitter.stop.set()
        submitter.join(30)
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert f"re-encrypted {FILLERS + 3} account(s)" in rotated.stdout
    assert "the old keys can be removed" in rotated.stdout
    assert submitter.refused == []
    jobs = [acc.stack.wait(job_id) for job_id in submitter.job_ids]
    assert len(jobs) >= 5
    assert [j for j in jobs if j["status"] != "succeeded"] == []
    assert acc.vault(NEW).key_usage() == {"new": FILLERS + 3}
    # Step 3: the old key is removed everywhere.
    _restart_all(acc, NEW)
    for identifier in identifiers:
        job = acc.stack.submit(identifier, *CONTACTS_LIST).json()["job"]
        assert acc.stack.wait(job["id"])["status"] == "succeeded"
    newcomer = unique("rot_new")
    acc.connect(newcomer)
    job = acc.stack.submit(newcomer, *CONTACTS_LIST).json()["job"]
    assert acc.stack.wait(job["id"])["status"] == "succeeded"
