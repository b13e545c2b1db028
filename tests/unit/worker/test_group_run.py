"""``GroupRun``: a group message's one-call jobs claimed together, called side by side on the
pool, every ending recorded in the message's thread (where the middleware reads them)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
import structlog

from store.errors import StoreUnavailable
from worker.group_run import GroupRun


def _job(job_id: str, account: str = "acct") -> Any:
    return SimpleNamespace(id=job_id, account_id=account, tool_name="hubspot_contact_get")


@dataclass
class _Executor:
    """Claims what it is told is queued; each attempt waits at a barrier of ``parties`` calls,
    so the test only finishes if that many run at once."""

    queued: set[str]
    parties: int
    fail_with: dict[str, BaseException] = field(default_factory=dict)
    recorded: list[tuple[list[str], str]] = field(default_factory=list)
    attempt_contexts: dict[str, Any] = field(default_factory=dict)
    account_reads: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.barrier = threading.Barrier(self.parties, timeout=5)
        self.lease = SimpleNamespace(owner="w1", seconds=60.0)
        self.jobs = SimpleNamespace(claim_many=self._claim_many)
        self.accounts = SimpleNamespace(get_by_id=self._account)
        self.calls = None

    def _claim_many(self, job_ids: list[str], *, owner: str, lease_seconds: float) -> list[Any]:
        accounts = {"b-1": "acct-b"}
        return [_job(i, accounts.get(i, "acct")) for i in job_ids if i in self.queued]

    def _account(self, account_id: str) -> Any:
        self.account_reads.append(account_id)
        return SimpleNamespace(id=account_id)

    def attempt(self, job: Any, account: Any, calls: Any = None) -> Any:
        self.attempt_contexts[job.id] = (
            structlog.contextvars.get_contextvars().get("job_id"),
            account.id,
        )
        self.barrier.wait()
        if job.id in self.fail_with:
            raise self.fail_with[job.id]
        return f"answer-{job.id}"

    def record_many(self, attempts: list[tuple[Any, Any]]) -> None:
        self.recorded.append(([j.id for j, _ in attempts], threading.current_thread().name))


@pytest.fixture
def pool() -> Any:
    with ThreadPoolExecutor(8, thread_name_prefix="call") as made:
        yield made


def test_the_groups_calls_run_side_by_side_and_are_recorded_together(pool: Any) -> None:
    ex = _Executor(queued={"a-1", "a-2", "b-1"}, parties=3)
    GroupRun(executor=ex, keeper=None, pool=pool).run(["a-1", "taken", "a-2", "b-1"])  # type: ignore[arg-type]

    assert ex.recorded == [(["a-1", "a-2", "b-1"], threading.current_thread().name)]
    assert sorted(ex.account_reads) == ["acct", "acct-b"]  # once per account, not per job
    assert ex.attempt_contexts == {
        "a-1": ("a-1", "acct"),
        "a-2": ("a-2", "acct"),
        "b-1": ("b-1", "acct-b"),
    }


def test_nothing_claimed_makes_no_call(pool: Any) -> None:
    ex = _Executor(queued=set(), parties=1)
    GroupRun(executor=ex, keeper=None, pool=pool).run(["a-1", "a-2"])  # type: ignore[arg-type]
    assert ex.recorded == []
    assert ex.attempt_contexts == {}


def test_a_store_outage_in_one_call_still_records_the_others_then_raises(pool: Any) -> None:
    ex = _Executor(
        queued={"a-1", "a-2", "a-3"},
        parties=3,
        fail_with={"a-2": StoreUnavailable("database unavailable")},
    )
    with pytest.raises(StoreUnavailable):
        GroupRun(executor=ex, keeper=None, pool=pool).run(["a-1", "a-2", "a-3"])  # type: ignore[arg-type]
    assert [ids for ids, _ in ex.recorded] == [["a-1", "a-3"]]


class _Keeper:
    def __init__(self) -> None:
        self.held: list[str] = []
        self.released: list[str] = []

    def hold(self, job_id: str) -> None:
        self.held.append(job_id)

    def release(self, job_id: str) -> None:
        self.released.append(job_id)


def test_every_claimed_jobs_lease_is_held_while_its_call_runs(pool: Any) -> None:
    keeper = _Keeper()
    ex = _Executor(queued={"a-1", "a-2"}, parties=2)
    GroupRun(executor=ex, keeper=keeper, pool=pool).run(["a-1", "a-2", "gone"])  # type: ignore[arg-type]
    assert keeper.held == ["a-1", "a-2"]
    assert keeper.released == ["a-1", "a-2"]
