"""The lease keeper renews held jobs, but not past the attempt cap (defect 8)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

import worker.lease as lease_module
from worker.lease import LeaseKeeper


@dataclass
class FakeTime:
    """Stands in for the ``time`` module inside ``worker.lease``: a clock the test moves."""

    now: list[float]

    def monotonic(self) -> float:
        return self.now[0]


@dataclass
class RecordingJobs:
    renewed: list[list[str]] = field(default_factory=list)

    def renew_leases(self, job_ids: list[str], *, owner: str, lease_seconds: float) -> int:
        self.renewed.append(sorted(job_ids))
        return len(job_ids)


def test_renewal_stops_once_a_job_is_held_past_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Held 179 s of a 180 s cap: renewed; held 181 s: left to lapse; released: gone."""
    now = [1000.0]
    monkeypatch.setattr(lease_module, "time", FakeTime(now))
    jobs = RecordingJobs()
    keeper = LeaseKeeper(jobs=jobs, owner="w1", lease_seconds=60, max_hold_s=180)  # type: ignore[arg-type]
    keeper.stop()  # no background renewals: this test drives them
    keeper.hold("job_a")
    now[0] += 100
    keeper.hold("job_b")
    now[0] += 79
    assert keeper.renew() == 2
    now[0] += 2
    assert keeper.renew() == 1
    keeper.release("job_b")
    assert keeper.renew() == 0
    assert jobs.renewed == [["job_a", "job_b"], ["job_b"]]
