"""Putting work on the queues: job and refresh messages carry ids only, never tokens.

Every enqueue gets a fresh Redis message id (``Broker.enqueue``): a reused id lets one copy's ack
delete the other copy's payload. A job may therefore have several messages over its life (a
re-queue after a lapsed lease, a wait, a sweep that found its message lost), and the worker's
atomic claim makes the extra ones no-ops.

So that the sweep can still tell whether a ``queued`` job has a live message, each job enqueue
also records ``ha:jobmsg:{job_id}`` -> the message's id, in the same round trip. A job whose
index entry is gone (expired, flushed) counts as having no message: the sweep enqueues it again,
which at worst makes one harmless duplicate.

Jobs of a coalesced tool (DESIGN.md s12) enqueued together go in one message per account, tool
and lane, up to ``GROUP_LIMIT`` ids (``group``): the worker would claim them as one batch call
anyway, and one message per job made 99 of every 100 a bulk backlog's messages skip a job that
another's batch had taken, each costing a fetch, the middleware chain and an ack
(bench/README.md). Every job of a group is indexed to the group's message, so the sweep finds a
lost group's jobs as it finds a lost job's.

Jobs of other tools keep a message each. Grouping them too (eight a message, claimed together,
their calls on a pool) doubled reads at 0 ms latency, but a group claims jobs before it can call
for them: they showed as started while they waited behind the group's other calls, an
interactive job's call could queue behind a bulk group's, and a revocation found them already
claimed, so they made their call instead of failing unstarted (tests/execution/test_lanes.py,
tests/refresh/test_refresh_faults.py). A coalesced group has none of that: its jobs go to
HubSpot in one call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis
from dramatiq import Message

from broker.pipelines import script_pipeline
from broker.redis_broker import (
    ALL_QUEUES,
    QUEUE_BULK,
    QUEUE_INTERACTIVE,
    QUEUE_REFRESH,
    QUEUE_WEBHOOKS,
    Broker,
)
from broker.wakeup import WAKEUP_CHANNEL, publish_wakeup
from core.logging import get_logger
from schemas.jobs import Lane
from schemas.tools.batch import MAX_BATCH_INPUTS
from schemas.tools.coalescing import COALESCED_TOOLS
from store.jobs import JobRecord

log = get_logger(__name__)

#: Actor names (the worker declares them; producers only need the names).
ACTOR_EXECUTE = "execute_tool"
ACTOR_EXECUTE_BULK = "execute_tool_bulk"
ACTOR_REFRESH = "refresh_token"
ACTOR_PORTAL_SCHEMA = "refresh_portal_schema"

#: Set while an account's portal schema refresh is queued: further requests (a burst of
#: submissions finding the copy stale, several INVALID_OPTION failures) send no second message.
#: The worker deletes it when done; it expires by itself if the message is lost.
PORTAL_SCHEMA_PENDING_KEY = "ha:portal-schema:pending:"
PORTAL_SCHEMA_PENDING_S = 60
ACTOR_DELIVER_WEBHOOK = "deliver_webhook"

#: Most job ids one message names: one batch call's worth.
GROUP_LIMIT = MAX_BATCH_INPUTS

#: Key prefix of the job -> latest message id index.
JOB_MESSAGE_PREFIX = "ha:jobmsg:"
#: How long an index entry is kept: past it, a still-queued job is re-enqueued once by the sweep.
JOB_MESSAGE_TTL_S = 86_400

_LANE_ROUTES = {
    Lane.INTERACTIVE: (QUEUE_INTERACTIVE, ACTOR_EXECUTE),
    Lane.BULK: (QUEUE_BULK, ACTOR_EXECUTE_BULK),
}


@dataclass(frozen=True)
class JobRef:
    """What it takes to (re-)enqueue a job: its id and lane."""

    id: str
    lane: Lane
    #: The job's tool: the worker sends coalesced tools' jobs in batches (DESIGN.md s12) and
    #: must know which before it claims (a name, not data of the job).
    tool: str | None = None
    #: A wake-up of a job that waited for an earlier write of its record (``store.jobs.order``).
    #: Every enqueue has a fresh message id, so it cannot collide with the message that found
    #: the job held back; the flag only says why it was sent (logs).
    wake: bool = False
    #: The job's account: jobs of a coalesced tool share a message only within one account.
    account: str | None = None

    @property
    def queue(self) -> str:
        return _LANE_ROUTES[self.lane][0]


def job_ref(job: JobRecord) -> JobRef:
    """The ref of a job row."""
    return JobRef(id=job.id, lane=job.lane, tool=job.tool_name, account=job.account_id)


def job_messages(refs: Iterable[JobRef]) -> list[Message[Any]]:
    """The messages that run ``refs``: one per job, except jobs of a coalesced tool, which go
    ``GROUP_LIMIT`` at a time in one message per account, tool and lane (in their order: the
    first named is the first the worker tries)."""
    messages: list[Message[Any]] = []
    groups: dict[tuple[Lane, str, str | None], list[str]] = {}
    for ref in refs:
        if ref.tool in COALESCED_TOOLS:
            groups.setdefault((ref.lane, ref.tool, ref.account), []).append(ref.id)
        else:
            messages.append(_job_message(ref.lane, ref.tool, [ref.id], ref.account))
    for (lane, tool, account), ids in groups.items():
        for start in range(0, len(ids), GROUP_LIMIT):
            messages.append(_job_message(lane, tool, ids[start : start + GROUP_LIMIT], account))
    return messages


def _job_message(lane: Lane, tool: str | None, ids: list[str], account: str | None) -> Message[Any]:
    queue, actor = _LANE_ROUTES[lane]
    kwargs: dict[str, Any] = {} if tool is None else {"tool": tool}
    if len(ids) > 1:
        kwargs["group"] = ids[1:]
    if account is not None and tool is not None:
        # An id, like the rest: an interactive job of a coalesced tool is claimed without its
        # row being read first (``worker.coalesce``).
        kwargs["account"] = account
    return Message(queue_name=queue, actor_name=actor, args=(ids[0],), kwargs=kwargs, options={})


def message_job_ids(message: Message[Any]) -> list[str]:
    """The jobs a job message names: its own, then its group's (ids only)."""
    return [str(message.args[0]), *(str(i) for i in message.kwargs.get("group", ()))]


def job_message_key(job_id: str) -> str:
    return f"{JOB_MESSAGE_PREFIX}{job_id}"


class Dispatcher:
    """Sends job and refresh messages, then wakes idle consumers."""

    def __init__(self, *, broker: Broker) -> None:
        self.broker = broker

    @property
    def redis(self) -> redis.Redis:
        client: redis.Redis = self.broker.client
        return client

    def enqueue_jobs(self, refs: Iterable[JobRef]) -> None:
        """Enqueue each job, index its message and wake consumers, in one round trip; raises
        ``redis.RedisError`` if Redis is unreachable."""
        messages = job_messages(refs)
        if not messages:
            return
        pipe = script_pipeline(self.redis)
        enqueued = self.broker.enqueue_many(messages, pipe=pipe)
        for message in enqueued:
            message_id = message.options["redis_message_id"]
            for job_id in message_job_ids(message):
                pipe.set(job_message_key(job_id), message_id, ex=JOB_MESSAGE_TTL_S)
        for queue in {m.queue_name for m in messages}:
            pipe.publish(WAKEUP_CHANNEL, queue)
        pipe.execute()

    def enqueue_refresh(self, account_id: str, version: int | None) -> None:
        """A refresh of ``account_id`` replacing token ``version`` (None: whatever is there)."""
        self.broker.enqueue(
            Message(
                queue_name=QUEUE_REFRESH,
                actor_name=ACTOR_REFRESH,
                args=(account_id, version),
                kwargs={},
                options={},
            )
        )
        publish_wakeup(self.redis, {QUEUE_REFRESH})

    def enqueue_portal_schema(self, account_id: str) -> bool:
        """A fetch of the account's portal schema (DESIGN.md section 13), unless one is already
        queued; True if a message was sent. Raises ``redis.RedisError`` if Redis is down."""
        key = PORTAL_SCHEMA_PENDING_KEY + account_id
        if not self.redis.set(key, "1", nx=True, ex=PORTAL_SCHEMA_PENDING_S):
            return False
        self.broker.enqueue(
            Message(
                queue_name=QUEUE_REFRESH,
                actor_name=ACTOR_PORTAL_SCHEMA,
                args=(account_id,),
                kwargs={},
                options={},
            )
        )
        publish_wakeup(self.redis, {QUEUE_REFRESH})
        return True

    def enqueue_webhooks(self, delivery_ids: list[str]) -> None:
        """One ``deliver_webhook`` message per delivery due now (the actor is idempotent)."""
        messages: list[Message[Any]] = [
            Message(
                queue_name=QUEUE_WEBHOOKS,
                actor_name=ACTOR_DELIVER_WEBHOOK,
                args=(delivery_id,),
                kwargs={},
                options={},  # the broker gives every enqueue a fresh message id
            )
            for delivery_id in delivery_ids
        ]
        if len(messages) == 1:
            self.broker.enqueue(messages[0])
        elif messages:
            self.broker.enqueue_many(messages)
        if messages:
            publish_wakeup(self.redis, {QUEUE_WEBHOOKS})

    def missing_messages(self, refs: list[JobRef]) -> list[JobRef]:
        """The refs whose latest message is neither waiting nor in flight (lost, e.g. by a
        flush), or unknown (no index entry)."""
        if not refs:
            return []
        message_ids = self.redis.mget([job_message_key(r.id) for r in refs])
        missing: list[JobRef] = []
        by_queue: dict[str, list[tuple[JobRef, str]]] = {}
        for ref, raw in zip(refs, message_ids, strict=True):
            if raw is None:
                missing.append(ref)
            else:
                message_id = raw.decode() if isinstance(raw, bytes) else str(raw)
                by_queue.setdefault(ref.queue, []).append((ref, message_id))
        for queue, group in by_queue.items():
            present = self.broker.messages_present(queue, [m for _, m in group])
            missing.extend(r for (r, _), ok in zip(group, present, strict=True) if not ok)
        return missing

    def requeue_dead_workers(self, *, heartbeat_timeout_ms: int) -> None:
        """Return the messages dead workers had fetched but not acked to their queues."""
        self.broker.requeue_dead_workers(ALL_QUEUES, heartbeat_timeout_ms=heartbeat_timeout_ms)
