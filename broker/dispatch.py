"""Putting work on the queues: job and refresh messages carry ids only, never tokens.

A job's Redis message id is ``{job_id}.{generation}`` where the generation is the number of
entries in the job's history (every attempt, every wait, every re-queue after a lapsed lease adds
one): each (re-)queueing gets a fresh id (an old message's late ack cannot delete a new one), and
the sweep can recompute the id from the row to check whether the message of a ``queued`` job
still exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis
from dramatiq import Message

from broker.redis_broker import QUEUE_BULK, QUEUE_INTERACTIVE, QUEUE_REFRESH, Broker
from broker.wakeup import publish_wakeup
from core.logging import get_logger
from schemas.jobs import Lane
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

_LANE_ROUTES = {
    Lane.INTERACTIVE: (QUEUE_INTERACTIVE, ACTOR_EXECUTE),
    Lane.BULK: (QUEUE_BULK, ACTOR_EXECUTE_BULK),
}


@dataclass(frozen=True)
class JobRef:
    """What it takes to (re-)enqueue a job: its id, lane and generation."""

    id: str
    lane: Lane
    generation: int
    #: The job's tool: the worker sends coalesced tools' jobs in batches (DESIGN.md s12) and
    #: must know which before it claims (a name, not data of the job).
    tool: str | None = None
    #: A wake-up of a job that waited for an earlier write of its record (``store.jobs.order``):
    #: a message id of its own, so the late acknowledgement of the message that found the job
    #: held back cannot delete it.
    wake: bool = False

    @property
    def queue(self) -> str:
        return _LANE_ROUTES[self.lane][0]

    @property
    def message_id(self) -> str:
        suffix = ".wake" if self.wake else ""
        return f"{self.id}.{self.generation}{suffix}"


def job_ref(job: JobRecord) -> JobRef:
    """The ref of a job row as it is now (the generation counts its history entries).

    Not ``attempts + rate_waits``: a wait for our own rate budget uses neither, yet re-queues.
    """
    return JobRef(id=job.id, lane=job.lane, generation=len(job.history), tool=job.tool_name)


class Dispatcher:
    """Sends job and refresh messages, then wakes idle consumers."""

    def __init__(self, *, broker: Broker) -> None:
        self.broker = broker

    @property
    def redis(self) -> redis.Redis:
        client: redis.Redis = self.broker.client
        return client

    def enqueue_jobs(self, refs: Iterable[JobRef]) -> None:
        """Enqueue each job; raises ``redis.RedisError`` if Redis is unreachable."""
        messages: list[Message[Any]] = []
        for ref in refs:
            queue, actor = _LANE_ROUTES[ref.lane]
            messages.append(
                Message(
                    queue_name=queue,
                    actor_name=actor,
                    args=(ref.id,),
                    kwargs={} if ref.tool is None else {"tool": ref.tool},
                    options={"redis_message_id": ref.message_id},
                )
            )
        if len(messages) == 1:
            self.broker.enqueue(messages[0])
        elif messages:
            self.broker.enqueue_many(messages)
        if messages:
            publish_wakeup(self.redis, {m.queue_name for m in messages})

    def enqueue_refresh(self, account_id: str, version: int | None) -> None:
        """A refresh of ``account_id`` replacing token ``version`` (None: whatever is there)."""
        self.broker.enqueue(
            Message(
                queue_name=QUEUE_REFRESH,
                actor_name=ACTOR_REFRESH,
                args=(account_id, version),
                kwargs={},
                options={"redis_message_id": f"refresh.{account_id}.{version}"},
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

    def missing_messages(self, refs: list[JobRef]) -> list[JobRef]:
        """The refs whose message is neither waiting nor in flight (lost, e.g. by a flush)."""
        missing: list[JobRef] = []
        by_queue: dict[str, list[JobRef]] = {}
        for ref in refs:
            by_queue.setdefault(ref.queue, []).append(ref)
        for queue, group in by_queue.items():
            present = self.broker.messages_present(queue, [r.message_id for r in group])
            missing.extend(r for r, ok in zip(group, present, strict=True) if not ok)
        return missing
