"""What a message is about, read from its actor name and arguments (ids only, DESIGN.md s3)."""

from __future__ import annotations

from dramatiq.broker import MessageProxy

from broker.dispatch import ACTOR_EXECUTE, ACTOR_EXECUTE_BULK, ACTOR_REFRESH

JOB_ACTORS = frozenset({ACTOR_EXECUTE, ACTOR_EXECUTE_BULK})


def job_id_of(message: MessageProxy) -> str | None:
    """The job a tool message runs, or None for any other message."""
    if message.actor_name in JOB_ACTORS and message.args:
        return str(message.args[0])
    return None


def account_id_of(message: MessageProxy) -> str | None:
    """The account a refresh message refreshes, or None for any other message."""
    if message.actor_name == ACTOR_REFRESH and message.args:
        return str(message.args[0])
    return None
