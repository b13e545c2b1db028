"""An answer over the 2 MiB result limit fails the job instead of bloating the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import fakeredis
import httpx

from broker.schedule import JOB_SCHEDULE, Schedule
from core.clock import SystemClock
from hubspot_client.client import HubSpotClient
from schemas.jobs import JobStatus
from schemas.tools import all_required_scopes
from store.accounts import AccountStore
from store.db import Database
from store.jobs import JobStore, NewJob
from store.keyring import Keyring, generate_key_spec
from store.vault import TokenVault
from worker.calls import HubSpotCalls
from worker.executor import JobExecutor, LeaseTerms
from worker.job_outcomes import JobOutcomes
from worker.refresh.tokens import TokenProvider
from worker.throttle import PortalThrottle


def test_oversized_result_fails_result_too_large(db: Database) -> None:
    """A 3 MB list answer: the job fails result_too_large and nothing of it is stored."""
    accounts = AccountStore(db=db)
    account = accounts.get_or_create(connection_name="hubspot", identifier="big")
    vault = TokenVault(db=db, keyring=Keyring.parse(generate_key_spec()))
    expires = datetime.now(UTC) + timedelta(hours=1)
    with db.write() as conn:
        vault.put(conn, account_id=account.id, access="a", refresh="r", expires_at=expires)
        accounts.activate(
            conn,
            account_id=account.id,
            hub_id=7,
            granted_scopes=("oauth", *all_required_scopes()),
            token_expires_at=expires,
        )
    jobs = JobStore(db=db)
    job, _ = jobs.create(
        NewJob(
            account_id=account.id,
            connection_name="hubspot",
            identifier="big",
            tool_name="hubspot_contacts_list",
            input={"limit": 100},
        )
    )
    huge = {"results": [{"id": str(i), "properties": {"x": "y" * 30_000}} for i in range(100)]}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(huge).encode())

    client = fakeredis.FakeRedis()
    hubspot = HubSpotClient(
        api_base="https://api.hubapi.com",
        connect_timeout=1,
        read_timeout=5,
        transport=httpx.MockTransport(answer),
    )
    executor = JobExecutor(
        jobs=jobs,
        accounts=accounts,
        calls=HubSpotCalls(
            tokens=TokenProvider(vault=vault, refresher=None),
            hubspot=hubspot,
            throttle=PortalThrottle(limiter=None),
        ),
        outcomes=JobOutcomes(
            jobs=jobs,
            job_schedule=Schedule(client=client, key=JOB_SCHEDULE),
            mint_reauth_link=lambda _: None,
            clock=SystemClock(),
        ),
        lease=LeaseTerms(owner="w1", seconds=30),
    )
    executor.run(job.id)
    done = jobs.get(job.id)
    assert done is not None
    assert done.status is JobStatus.FAILED
    assert done.error is not None
    assert done.error["code"] == "result_too_large"
    assert done.result is None
    hubspot.close()
