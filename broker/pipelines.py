"""Pipelines that run Lua scripts without asking Redis first whether it has them.

redis-py's pipeline sends ``SCRIPT EXISTS`` for its scripts, as a round trip of its own, before
every execution that holds one: every batch enqueue (Dramatiq's dispatch script) and every
batch of acks paid two round trips instead of one. On the web's submission path that check was an
eighth of a ``POST /v1/jobs``'s wall clock (bench/README.md). Here the check is made once per
script and Redis connection pool, and skipped after that.

Redis forgets scripts on a restart or a ``SCRIPT FLUSH``. A pipeline that meets ``NOSCRIPT`` then
forgets what it knew and runs its commands once more, which loads the scripts first (redis-py's
own way). Running the commands again is safe for what we pipeline: the scripts refused to run, and
the other commands (the job-message index's ``SET``, wake-up ``PUBLISH``es, ``HEXISTS``) give the
same state when repeated (a wake-up published twice wakes an idle consumer twice, harmlessly).
"""

from __future__ import annotations

import threading
from typing import Any
from weakref import WeakKeyDictionary

import redis
from redis.client import Pipeline
from redis.exceptions import NoScriptError

_known: WeakKeyDictionary[redis.ConnectionPool, set[str]] = WeakKeyDictionary()
_known_lock = threading.Lock()


def _loaded(pool: redis.ConnectionPool) -> set[str]:
    with _known_lock:
        return _known.setdefault(pool, set())


class ScriptPipeline(Pipeline):
    """A non-transactional pipeline that checks for its scripts once, not on every execute."""

    def load_scripts(self) -> None:
        loaded = _loaded(self.connection_pool)
        shas = {s.sha for s in self.scripts}
        if shas <= loaded:
            return
        super().load_scripts()  # type: ignore[no-untyped-call]
        loaded.update(s.sha for s in self.scripts)

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        commands, scripts = list(self.command_stack), set(self.scripts)
        try:
            return list(super().execute(raise_on_error))
        except NoScriptError:
            _loaded(self.connection_pool).clear()
            self.command_stack, self.scripts = commands, scripts
            return list(super().execute(raise_on_error))


def script_pipeline(client: redis.Redis) -> ScriptPipeline:
    """A ``ScriptPipeline`` on ``client``'s connections (``client.pipeline(transaction=False)``
    otherwise)."""
    return ScriptPipeline(client.connection_pool, client.response_callbacks, False, None)
