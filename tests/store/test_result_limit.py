"""An answer over the 2 MiB result limit fails the job instead of bloating the store."""

from __future__ import annotations

from schemas.jobs import JobStatus
from store.db import Database
from tests.unit.worker.executor_harness import answer, build_on


def test_oversized_result_fails_result_too_large(db: Database) -> None:
    """A 3 MB list answer: the job fails result_too_large and nothing of it is stored."""
    h = build_on(db)
    huge = {"results": [{"id": str(i), "properties": {"x": "y" * 30_000}} for i in range(100)]}
    h.hubspot.answers = [answer(200, huge)]
    done = h.run(h.submit("hubspot_contacts_list", {"limit": 100}))
    assert done.status is JobStatus.FAILED
    assert done.error is not None
    assert done.error["code"] == "result_too_large"
    assert done.result is None
