"""The worker's batched Redis writes: notifications and job metrics off the job threads."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import fakeredis

from broker.counters import COUNTERS_KEY, HUBSPOT_REQUESTS_COUNTER, JOBS_COUNTER, encode_field
from broker.notify import JOB_DONE_CHANNEL
from broker.timeline import CALLS_SERIES, read_minutes
from worker import job_metrics
from worker.notify_batch import PipelineOps, RedisBatcher

NOW = datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC)


def test_close_sends_every_queued_write_in_order() -> None:
    """Notifications and metric counts queued from the job thread all reach Redis by close(),
    notifications in the order queued."""
    client = fakeredis.FakeRedis()
    pubsub = client.pubsub()  # type: ignore[no-untyped-call]
    pubsub.subscribe(JOB_DONE_CHANNEL)
    assert pubsub.get_message(timeout=1)["type"] == "subscribe"
    batcher = RedisBatcher(client=client)
    for n in range(3):
        batcher.notify(f"job-{n}")
        batcher.submit(
            job_metrics.job_finished_ops(
                tool="hubspot_contact_update",
                due=NOW - timedelta(seconds=1),
                status="succeeded",
                code=None,
                now=NOW,
            )
        )
    batcher.close()
    field = encode_field(JOBS_COUNTER, {"tool": "hubspot_contact_update", "outcome": "succeeded"})
    assert client.hget(COUNTERS_KEY, field) == b"3"
    got = [pubsub.get_message(timeout=1) for _ in range(3)]
    assert [m["data"] for m in got if m] == [b"job-0", b"job-1", b"job-2"]


def test_the_portal_is_read_when_the_answer_comes_not_when_it_is_sent() -> None:
    """A HubSpot answer queued while the thread ran portal 42's job is charted for portal 42,
    even though the thread has moved on (CURRENT_PORTAL cleared) before the batch goes out."""
    client = fakeredis.FakeRedis()
    sent: list[PipelineOps] = []
    hook = job_metrics.response_hook(sent.append)
    token = job_metrics.CURRENT_PORTAL.set(42)
    try:
        hook(200)
    finally:
        job_metrics.CURRENT_PORTAL.reset(token)
    batcher = RedisBatcher(client=client)
    for ops in sent:
        batcher.submit(ops)
    batcher.close()
    field = encode_field(HUBSPOT_REQUESTS_COUNTER, {"status_class": "2xx"})
    assert client.hget(COUNTERS_KEY, field) == b"1"
    # two minutes: the answer may have been counted just before a minute boundary
    charted = [
        counts for _, counts in read_minutes(client, CALLS_SERIES, now=time.time(), minutes=2)
    ]
    assert [c for c in charted if c] == [{(("hub", "42"),): 1}]


def test_a_redis_failure_is_swallowed() -> None:
    """A Redis outage loses the batch (best effort) but never raises into the worker."""
    server = fakeredis.FakeServer()
    server.connected = False
    broken = fakeredis.FakeRedis(server=server)
    batcher = RedisBatcher(client=broken)
    batcher.notify("job-1")
    batcher.close()
    assert batcher._thread is not None
    assert not batcher._thread.is_alive()
