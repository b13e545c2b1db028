"""A coalesced call's failure: the jobs of the batch that wait, wait until the same moment.

Each job keeps its own decision (attempts, deadline), but a backoff's jitter drawn per job spread
a batch over many due times, which the scheduler re-queued over several ticks: one batch came
back as several calls, each a slot of the portal's budget.
"""

from __future__ import annotations

from pathlib import Path

from schemas.jobs import JobStatus
from tests.unit.worker.executor_harness import answer, build, error_body
from worker.batch_call import BatchCall


def test_a_5xx_on_a_batch_makes_every_job_retry_at_the_same_time(tmp_path: Path) -> None:
    h = build(tmp_path)
    ids = [
        h.submit("hubspot_contact_update", {"contact_id": str(100 + n), "firstname": f"n{n}"})
        for n in range(20)
    ]
    first = h.get(ids[0])
    batch = h.jobs.claim_batch(first, owner="w1", lease_seconds=30, limit=100)
    assert len(batch) == 20
    h.hubspot.answers.append(answer(503, error_body("try later", "INTERNAL_ERROR")))

    BatchCall(executor=h.executor, jobs=batch, account=h.accounts.get_by_id(h.account_id)).run()

    jobs = [h.get(i) for i in ids]
    assert {j.status for j in jobs} == {JobStatus.RETRYING}
    assert len({j.due_at for j in jobs}) == 1
    assert len({h.scheduled(i) for i in ids}) == 1
    assert all(j.history[-1]["batch_size"] == 20 for j in jobs)
