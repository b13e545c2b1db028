"""Acks sent in batches: worker threads queue them, the consumer thread sends them together.

Dramatiq's Redis consumer acks each message with its own round trip, on the worker thread that
ran it. A coalesced bulk batch ends a hundred messages at once (and the messages of the jobs it
took along each end with a skip), so those round trips were the largest share of the worker's
samples in a bulk run after the database (bench/README.md). Here an ack only queues the message;
the consumer thread sends every queued ack in one pipeline the next time it looks for work, which
the ack itself wakes it to do.

Nothing is lost by sending an ack late: until it is sent the message only stays in this worker's
unacked set, and a job's fate is in its row, not its message (DESIGN.md section 7: a message that
comes back after a crash finds its job finished and is skipped). The queue lives on the broker,
not the consumer, so acks a consumer could not send before Dramatiq replaced it (a lost
connection) are sent by the next one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

#: Sends the acks of ``redis_message_ids`` on ``queue_name`` (raises ``redis.RedisError``).
AckSender = Callable[[str, list[str]], None]


class AckQueue:
    """The acks waiting to be sent, per queue name; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, list[Any]] = {}

    def put(self, queue_name: str, message: Any) -> None:
        with self._lock:
            self._waiting.setdefault(queue_name, []).append(message)

    def send(self, queue_name: str, sender: AckSender) -> list[Any]:
        """Send ``queue_name``'s waiting acks in one call; returns the messages acked.

        When the sender raises, the messages go back to the front of the queue for the next try.
        """
        with self._lock:
            messages = self._waiting.pop(queue_name, [])
        if not messages:
            return []
        try:
            sender(queue_name, [m.options["redis_message_id"] for m in messages])
        except BaseException:
            with self._lock:
                self._waiting[queue_name] = messages + self._waiting.get(queue_name, [])
            raise
        return messages

    def waiting(self, queue_name: str) -> int:
        with self._lock:
            return len(self._waiting.get(queue_name, []))
