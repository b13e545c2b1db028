"""A refresher wired to real stores on SQLite, fakeredis and a scripted token endpoint.

Nothing here needs a live service: the database is a SQLite file in the test's directory, Redis is
``fakeredis`` (Lua included), and the token endpoint is ``ScriptedEndpoint``, which answers each
refresh from a script and keeps the refresh tokens it considers valid, so rotation and uninstalls
behave as they do at HubSpot.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fakeredis
import redis
from pydantic import SecretStr

from broker.counters import Counters, read_counters
from broker.schedule import REFRESH_SCHEDULE, Schedule
from hubspot_client.errors import HubSpotError, RefreshTokenRejected
from hubspot_client.oauth import TokenGrant
from store.accounts import AccountStore
from store.db import Database
from store.jobs import JobStore, NewJob
from store.keyring import Keyring, generate_key_spec
from store.migrate import upgrade
from store.vault import TokenVault
from tests.support.clock import FakeClock
from worker.decisions import DecisionTable
from worker.refresh.backoff import RefreshBackoff
from worker.refresh.lock import RefreshLock
from worker.refresh.outcomes import RefreshOutcomes
from worker.refresh.refresher import TokenRefresher

MARGIN_S = 300.0
TTL_S = 1800
START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SCOPES = ("oauth", "crm.objects.contacts.read", "crm.objects.contacts.write")


@dataclass
class ScriptedEndpoint:
    """A token endpoint: valid refresh tokens, optional rotation, and scripted failures.

    ``script`` holds what the next calls do before answering (raise an error; ``applied_then``
    makes a call take effect at HubSpot and then lose its answer). ``sent`` records every refresh
    token received, in order.
    """

    valid: set[str] = field(default_factory=set)
    rotate: bool = False
    script: list[HubSpotError | tuple[str, HubSpotError]] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    expires_in: int = TTL_S

    def issue(self) -> str:
        token = "na1-" + secrets.token_hex(8)
        self.valid.add(token)
        return token

    def refresh(self, *, refresh_token: str) -> TokenGrant:
        self.sent.append(refresh_token)
        step = self.script.pop(0) if self.script else None
        if isinstance(step, HubSpotError):
            raise step
        if refresh_token not in self.valid:
            raise RefreshTokenRejected(
                "refresh token is invalid, expired or revoked",
                status_code=400,
                oauth_error="invalid_grant",
                oauth_status="BAD_REFRESH_TOKEN",
            )
        next_refresh = refresh_token
        if self.rotate:
            self.valid.discard(refresh_token)
            next_refresh = self.issue()
        if step is not None:  # ("applied_then", error): HubSpot applied it, the answer was lost
            raise step[1]
        return TokenGrant(
            access_token=SecretStr("C" + secrets.token_hex(16)),
            refresh_token=SecretStr(next_refresh),
            expires_in=self.expires_in,
            hub_id=1234,
            scopes=SCOPES,
            token_type="bearer",
        )


@dataclass
class Harness:
    db: Database
    clock: FakeClock
    redis: redis.Redis
    vault: TokenVault
    accounts: AccountStore
    jobs: JobStore
    schedule: Schedule
    backoff: RefreshBackoff
    endpoint: ScriptedEndpoint
    refresher: TokenRefresher
    links: list[str] = field(default_factory=list)

    def connect(self, identifier: str, *, expires_in: float = TTL_S) -> str:
        """An ACTIVE account holding version 1 of freshly issued tokens, on the schedule."""
        record = self.accounts.get_or_create(connection_name="hubspot", identifier=identifier)
        expires_at = self.clock.now() + timedelta(seconds=expires_in)
        with self.db.write() as conn:
            self.vault.put(
                conn,
                account_id=record.id,
                access="C-initial-" + identifier,
                refresh=self.endpoint.issue(),
                expires_at=expires_at,
            )
            self.accounts.activate(
                conn,
                account_id=record.id,
                hub_id=1234,
                granted_scopes=SCOPES,
                token_expires_at=expires_at,
            )
        self.schedule.add(record.id, expires_at.timestamp() - MARGIN_S)
        return record.id

    def version(self, account_id: str) -> int:
        meta = self.vault.meta(account_id)
        assert meta is not None
        return meta.version

    def job(self, account_id: str, identifier: str, **kw: object) -> str:
        new = NewJob(
            account_id=account_id,
            connection_name="hubspot",
            identifier=identifier,
            tool_name="hubspot_contacts_list",
            input={"limit": 1},
            **kw,  # type: ignore[arg-type]
        )
        record, _ = self.jobs.create(new)
        return record.id

    def due(self, account_id: str) -> float | None:
        return self.schedule.due_of([account_id])[0]

    def counts(self) -> dict[str, int]:
        return read_counters(self.redis)


def build_harness(tmp_path: Path, *, lock_wait_s: float = 0.5) -> Harness:
    db = Database(f"sqlite:///{tmp_path / 'refresh.db'}")
    upgrade(db)
    clock = FakeClock(START)
    client: redis.Redis = fakeredis.FakeRedis()
    vault = TokenVault(db=db, keyring=Keyring.parse(generate_key_spec("unit")), clock=clock)
    accounts = AccountStore(db=db, clock=clock)
    jobs = JobStore(db=db, clock=clock)
    schedule = Schedule(client=client, key=REFRESH_SCHEDULE)
    backoff = RefreshBackoff(
        client=client,
        margin_s=MARGIN_S,
        policy=DecisionTable(backoff_base_s=2.0, backoff_cap_s=60.0, rng=random.Random(5)),
    )
    endpoint = ScriptedEndpoint()
    links: list[str] = []

    def mint(account_id: str) -> str:
        links.append(account_id)
        return f"https://app.hubspot.test/oauth/authorize?state=s{len(links)}"

    outcomes = RefreshOutcomes(
        db=db,
        vault=vault,
        accounts=accounts,
        jobs=jobs,
        schedule=schedule,
        backoff=backoff,
        counters=Counters(client=client),
        redis_client=client,
        mint_reauth_link=mint,
        margin_s=MARGIN_S,
        clock=clock,
    )
    refresher = TokenRefresher(
        vault=vault,
        accounts=accounts,
        oauth=endpoint,
        lock=RefreshLock(client=client, poll_s=0.01),
        backoff=backoff,
        outcomes=outcomes,
        schedule=schedule,
        margin_s=MARGIN_S,
        clock=clock,
        lock_wait_s=lock_wait_s,
    )
    return Harness(
        db=db,
        clock=clock,
        redis=client,
        vault=vault,
        accounts=accounts,
        jobs=jobs,
        schedule=schedule,
        backoff=backoff,
        endpoint=endpoint,
        refresher=refresher,
        links=links,
    )
