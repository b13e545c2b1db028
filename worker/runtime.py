"""Everything a worker process needs, built once per process (after the fork) from settings."""

from __future__ import annotations

import os
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cached_property

import redis
from dramatiq.middleware import Middleware

from broker.counters import Counters
from broker.dispatch import job_ref
from broker.parts import ProcessParts
from broker.redis_broker import Broker, build_broker
from core.logging import get_logger
from core.settings import Settings
from hubspot_client.client import HubSpotClient
from hubspot_client.oauth import OAuthClient
from store.errors import StoreUnavailable
from store.jobs import JobRecord
from store.links import mint_authorization_link
from store.portal_schemas import PortalSchemaStore
from worker import job_metrics
from worker.calls import HubSpotCalls
from worker.coalesce import Coalescer
from worker.decisions import DecisionTable, LeaseLapses
from worker.executor import JobExecutor, LeaseTerms
from worker.job_outcomes import JobOutcomes
from worker.lease import LeaseKeeper
from worker.middleware import worker_middleware
from worker.notify_batch import RedisBatcher
from worker.portal_schema import PortalSchemaFetcher
from worker.ratelimit import RateLimiter
from worker.refresh.backoff import RefreshBackoff
from worker.refresh.lock import RefreshLock
from worker.refresh.outcomes import RefreshOutcomes
from worker.refresh.refresher import TokenRefresher
from worker.refresh.tokens import Refresher, TokenProvider, inline_margin
from worker.throttle import PortalThrottle
from worker.webhooks.backoff import DeliveryBackoff
from worker.webhooks.delivery import WebhookDeliverer

log = get_logger(__name__)


def worker_identity() -> str:
    """Who holds a lease: host, pid and a random suffix (pids are reused after restarts)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class WorkerRuntime(ProcessParts):
    settings: Settings
    broker: Broker

    def db_pool_size(self) -> int:
        return self.settings.worker_threads + 2

    @cached_property
    def hubspot(self) -> HubSpotClient:
        return HubSpotClient(
            api_base=self.settings.hubspot_api_base,
            connect_timeout=self.settings.hubspot_connect_timeout_s,
            read_timeout=self.settings.hubspot_read_timeout_s,
            max_connections=max(16, self.settings.worker_threads * 2),
            on_response=job_metrics.response_hook(self.redis_batcher.submit),
        )

    @cached_property
    def redis_batcher(self) -> RedisBatcher:
        """Job-finished notifications and job metrics, sent in batches off the job threads."""
        return RedisBatcher(client=self.redis)

    @cached_property
    def limiter(self) -> RateLimiter:
        """Per-portal budgets shared by every worker (``worker.ratelimit``)."""
        return RateLimiter(
            client=self.redis,
            burst_per_10s=self.settings.hubspot_rate_limit_per_10s,
            search_per_s=self.settings.hubspot_search_rate_limit_per_s,
        )

    @cached_property
    def oauth(self) -> OAuthClient | None:
        return self.oauth_client()

    @cached_property
    def counters(self) -> Counters:
        return Counters(client=self.redis)

    @cached_property
    def refresher(self) -> Refresher | None:
        """The token refresher (``worker.refresh``); None without app credentials (tokens are
        then used until they expire and jobs fail ``hubspot_unauthorized``)."""
        if self.oauth is None:
            return None
        margin_s = float(self.settings.token_refresh_margin_seconds)
        backoff = RefreshBackoff(client=self.redis, margin_s=margin_s)
        outcomes = RefreshOutcomes(
            db=self.db,
            vault=self.vault,
            accounts=self.accounts,
            jobs=self.jobs,
            schedule=self.refresh_schedule,
            backoff=backoff,
            counters=self.counters,
            redis_client=self.redis,
            mint_reauth_link=self.mint_reauth_link,
            margin_s=margin_s,
            clock=self.clock,
            events=self.events,
        )
        return TokenRefresher(
            vault=self.vault,
            accounts=self.accounts,
            oauth=self.oauth,
            lock=RefreshLock(client=self.redis),
            backoff=backoff,
            outcomes=outcomes,
            schedule=self.refresh_schedule,
            margin_s=margin_s,
            clock=self.clock,
        )

    @cached_property
    def tokens(self) -> TokenProvider:
        return TokenProvider(
            vault=self.vault,
            refresher=self.refresher,
            margin=inline_margin(float(self.settings.token_refresh_margin_seconds)),
            clock=self.clock,
        )

    @cached_property
    def owner(self) -> str:
        return worker_identity()

    @cached_property
    def lease(self) -> LeaseKeeper:
        """Renews running jobs' leases, but only while an attempt is under its time limit (plus
        one lease period to record its outcome): an attempt ``TimeLimit`` cannot stop lets its
        lease lapse, and the sweep settles it."""
        return LeaseKeeper(
            jobs=self.jobs,
            owner=self.owner,
            lease_seconds=self.settings.job_lease_seconds,
            max_hold_s=self.settings.job_attempt_timeout_seconds + self.settings.job_lease_seconds,
        )

    @cached_property
    def lease_lapses(self) -> LeaseLapses:
        """The sweep's verdict on a job whose worker died (``JOB_MAX_LEASE_LAPSES``)."""
        return LeaseLapses(max_lapses=self.settings.job_max_lease_lapses)

    def mint_reauth_link(self, account_id: str) -> str | None:
        return mint_authorization_link(
            states=self.states, connection=self.connection, account_id=account_id
        ).link

    @cached_property
    def portal_schemas(self) -> PortalSchemaFetcher:
        """Fetches portals' properties and pipelines into the cache (DESIGN.md section 13)."""
        return PortalSchemaFetcher(
            accounts=self.accounts,
            tokens=self.tokens,
            hubspot=self.hubspot,
            store=PortalSchemaStore(db=self.db, clock=self.clock),
            redis_client=self.redis,
            limiter=self.limiter,
        )

    def request_portal_schema(self, account_id: str) -> None:
        """Queue a refetch (HubSpot said the cached copy is wrong); Redis down: a later one."""
        try:
            self.dispatcher.enqueue_portal_schema(account_id)
        except redis.RedisError as exc:
            log.warning("portal_schema.enqueue_failed", error=type(exc).__name__)

    def wake_next_of_records(self, finished: list[JobRecord]) -> None:
        """``finished`` jobs ended: send the messages of the jobs waiting behind them on their
        records, from the process's wake thread (``record_wakes``).

        Off the job's thread so that its waiters are told first: the query that finds the next
        jobs ran between a job's finish and its notification, for every create and update (a
        tenth of a submitted-and-awaited job's time, bench/README.md). A worker that dies with a
        wake still queued leaves the next job queued without a message, which the sweep's
        lost-message pass sends: late, never lost.
        """
        self.record_wakes.submit(self._wake_now, finished)

    @cached_property
    def record_wakes(self) -> ThreadPoolExecutor:
        """One thread sending the wakes of jobs held back by an earlier write of their record."""
        return ThreadPoolExecutor(1, thread_name_prefix="record-wakes")

    def _wake_now(self, finished: list[JobRecord]) -> None:
        try:
            waiting = self.jobs.next_in_line_many(finished)
            if waiting:
                self.dispatcher.enqueue_jobs([replace(job_ref(j), wake=True) for j in waiting])
        except (redis.RedisError, StoreUnavailable) as exc:
            log.warning("job.wake_failed", error=type(exc).__name__)
        except Exception:  # on the wake thread nothing else would ever see it
            log.exception("job.wake_failed")

    @cached_property
    def executor(self) -> JobExecutor:
        executor = self._executor()
        executor.coalescer = Coalescer(
            executor=executor,
            keeper=self.lease,
            bulk_wait_s=self.settings.bulk_coalesce_ms / 1000.0,
        )
        return executor

    def _executor(self) -> JobExecutor:
        return JobExecutor(
            jobs=self.jobs,
            accounts=self.accounts,
            calls=HubSpotCalls(
                tokens=self.tokens,
                hubspot=self.hubspot,
                throttle=PortalThrottle(limiter=self.limiter),
            ),
            outcomes=JobOutcomes(
                jobs=self.jobs,
                job_schedule=self.job_schedule,
                mint_reauth_link=self.mint_reauth_link,
                clock=self.clock,
                on_schema_stale=self.request_portal_schema,
                on_records_free=self.wake_next_of_records,
            ),
            lease=LeaseTerms(owner=self.owner, seconds=self.settings.job_lease_seconds),
            table=DecisionTable(),
            clock=self.clock,
        )

    def middleware(self) -> list[Middleware]:
        """The worker's own middleware (``worker.middleware``), to add to the broker."""
        return worker_middleware(
            keeper=self.lease,
            notify_done=self.redis_batcher.notify,
            metrics_client=self.redis,
            metrics_submit=self.redis_batcher.submit,
            clock=self.clock,
            events=self.events,
        )

    @cached_property
    def deliverer(self) -> WebhookDeliverer:
        settings = self.settings
        return WebhookDeliverer(
            store=self.webhooks,
            schedule=self.webhook_schedule,
            redis_client=self.redis,
            backoff=DeliveryBackoff(
                base_s=settings.webhook_retry_base_seconds,
                max_s=settings.webhook_retry_max_seconds,
                window_s=settings.webhook_retry_window_seconds,
            ),
            production=settings.is_production,
            clock=self.clock,
        )

    def close(self) -> None:
        self.lease.stop()
        if "redis_batcher" in self.__dict__:
            self.redis_batcher.close()
        if "hubspot" in self.__dict__:
            self.hubspot.close()
        if "deliverer" in self.__dict__:
            self.deliverer.close()
        self.close_parts()


def build_runtime(settings: Settings) -> WorkerRuntime:
    redis_url = settings.require_redis_url("worker")
    return WorkerRuntime(
        settings=settings,
        broker=build_broker(
            redis_url,
            wakeups=settings.worker_wakeups,
            attempt_timeout_s=settings.job_attempt_timeout_seconds,
        ),
    )
