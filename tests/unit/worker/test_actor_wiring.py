"""The actors and our middleware on Dramatiq's ``StubBroker``, run by a real ``Worker``: no Redis.

Pins the wiring (a message reaches the runtime, the middleware binds the log context, holds the
lease, announces the finished job), the attempt time limit (``TimeLimit`` stops a hung call and
the decision table reads it like a HubSpot timeout) and the refresh of a worker without app
credentials (logged, the account left scheduled).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fakeredis
import httpx
import pytest
import structlog
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker

from broker.dispatch import ACTOR_EXECUTE, ACTOR_REFRESH
from broker.redis_broker import QUEUE_INTERACTIVE, QUEUE_REFRESH
from broker.schedule import REFRESH_SCHEDULE, Schedule
from broker.stock_middleware import stock_middleware
from core.clock import SystemClock
from schemas.jobs import JobStatus
from worker import actors
from worker.actors import NO_CREDENTIALS_RECHECK_S, declare_actors
from worker.executor import JobExecutor
from worker.lease import LeaseKeeper
from worker.middleware import JobEnd, report_end, worker_middleware

from .executor_harness import ExecutorHarness, build


@dataclass
class FakeKeeper(LeaseKeeper):
    """Records what the lease middleware held and released."""

    events: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        pass

    def hold(self, job_id: str) -> None:
        self.events.append(("hold", job_id))

    def release(self, job_id: str) -> None:
        self.events.append(("release", job_id))

    def stop(self) -> None:
        self.events.append(("stop", ""))


@dataclass
class FakeExecutor:
    runs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def run(
        self, job_id: str, tool: str | None = None, group: list[str] | None = None, **_: Any
    ) -> None:
        self.runs.append((job_id, structlog.contextvars.get_contextvars()))
        report_end(JobEnd(job_id, JobStatus.SUCCEEDED, attempts=1, landed=True))


@dataclass
class FakeRuntime:
    executor: Any
    refresher: Any = None
    clock: SystemClock = field(default_factory=SystemClock)
    refresh_schedule: Schedule = field(
        default_factory=lambda: Schedule(client=fakeredis.FakeRedis(), key=REFRESH_SCHEDULE)
    )


@dataclass
class Wired:
    broker: StubBroker
    keeper: FakeKeeper
    notified: list[str]


def _wire(runtime: FakeRuntime, *, attempt_timeout_s: float = 120.0) -> Wired:
    keeper = FakeKeeper()
    notified: list[str] = []
    middleware = stock_middleware(attempt_timeout_s=attempt_timeout_s) + worker_middleware(
        keeper=keeper,
        notify_done=notified.append,
        metrics_client=fakeredis.FakeRedis(),
        clock=SystemClock(),
    )
    broker = StubBroker(middleware=middleware)
    broker.emit_after("process_boot")  # starts TimeLimit's watcher, as the worker process does
    declare_actors(broker, lambda: runtime)  # type: ignore[arg-type, return-value]
    return Wired(broker, keeper, notified)


@pytest.fixture
def run_worker() -> Iterator[Any]:
    started: list[Worker] = []

    def run(wired: Wired, queue: str) -> None:
        worker = Worker(wired.broker, worker_timeout=50, worker_threads=1)
        started.append(worker)
        worker.start()
        wired.broker.join(queue, timeout=10_000)
        worker.join()

    yield run
    for worker in started:
        worker.stop()


def test_a_tool_message_reaches_the_runtime_through_the_middleware(run_worker: Any) -> None:
    """execute_tool runs the job once, with job_id bound, under the lease, then announces it."""
    # Other tests run executors in this thread and bind ``tool``: start from a clean context so
    # the last assertion sees only what this message's processing left behind.
    structlog.contextvars.clear_contextvars()
    runtime = FakeRuntime(executor=FakeExecutor())
    wired = _wire(runtime)
    wired.broker.get_actor(ACTOR_EXECUTE).send("job_1")
    run_worker(wired, QUEUE_INTERACTIVE)
    assert [job_id for job_id, _ in runtime.executor.runs] == ["job_1"]
    assert runtime.executor.runs[0][1] == {"job_id": "job_1"}
    assert wired.keeper.events == [("hold", "job_1"), ("release", "job_1")]
    assert wired.notified == ["job_1"]
    assert structlog.contextvars.get_contextvars() == {}


def _hang(request: httpx.Request) -> httpx.Response:
    """A HubSpot that never answers (in Python steps, so TimeLimit's exception can land)."""
    for _ in range(400):
        time.sleep(0.025)
    raise AssertionError("TimeLimit never stopped the attempt")


#: (tool, input, status after the stopped attempt): reads may retry, company creates may not.
TIMED_OUT = [
    ("hubspot_contacts_list", {"limit": 1}, JobStatus.RETRYING),
    ("hubspot_company_create", {"name": "Acme"}, JobStatus.FAILED),
]


@pytest.mark.parametrize("case", TIMED_OUT)
def test_an_attempt_over_the_time_limit_ends(
    tmp_path: Path, run_worker: Any, case: tuple[str, dict[str, Any], JobStatus]
) -> None:
    """A hung call is stopped at the attempt timeout: a read retries, a create fails unknown."""
    tool, tool_input, status = case
    h: ExecutorHarness = build(tmp_path)
    h.hubspot.answers = [_hang]
    runtime = FakeRuntime(executor=h.executor)
    wired = _wire(runtime, attempt_timeout_s=0.3)
    job_id = h.submit(tool, tool_input)
    started = time.monotonic()
    wired.broker.get_actor(ACTOR_EXECUTE).send(job_id)
    run_worker(wired, QUEUE_INTERACTIVE)
    assert time.monotonic() - started < 9.0  # the hang alone lasts 10 s
    job = h.get(job_id)
    assert job.status is status
    assert job.history[-1]["outcome"] == "outcome_unknown"
    if status is JobStatus.FAILED:
        assert job.error is not None
        assert job.error["code"] == "outcome_unknown"
    assert isinstance(runtime.executor, JobExecutor)


@dataclass
class RecordingLog:
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def warning(self, event: str, **kw: Any) -> None:
        self.events.append((event, kw))


def test_a_refresh_without_app_credentials_is_logged_and_kept_scheduled(
    run_worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No refresher: the refresh is not dropped silently; the account goes back on the schedule."""
    log = RecordingLog()
    monkeypatch.setattr(actors, "log", log)
    runtime = FakeRuntime(executor=FakeExecutor(), refresher=None)
    wired = _wire(runtime)
    before = time.time()
    wired.broker.get_actor(ACTOR_REFRESH).send("acc_1", 3)
    run_worker(wired, QUEUE_REFRESH)
    assert log.events == [("token.refresh_skipped_no_credentials", {"account_id": "acc_1"})]
    due = runtime.refresh_schedule.due_of(["acc_1"])[0]
    assert due is not None
    assert before + NO_CREDENTIALS_RECHECK_S <= due <= time.time() + NO_CREDENTIALS_RECHECK_S
    assert wired.notified == []
