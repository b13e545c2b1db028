"""Dramatiq's own middleware as every broker of ours carries it, each one decided on purpose.

Dramatiq 2.2.1's ``dramatiq.middleware.default_middleware`` is ``AgeLimit, TimeLimit,
ShutdownNotifications, Callbacks, Pipelines, Retries``; all six stay, two of them configured:

* ``TimeLimit``: the hard cap on one attempt, ``JOB_ATTEMPT_TIMEOUT_SECONDS`` (120 s by default).
  It raises ``TimeLimitExceeded`` in the worker thread; the decision table reads it like a HubSpot
  timeout (``worker.decisions``). The lease (60 s, renewed a few times per period) is renewed
  only while an attempt is under this cap (``worker.lease``), so an attempt that cannot be
  stopped lets its lease lapse.
* ``Retries`` with ``max_retries=0``: waiting goes through our own schedule (DESIGN.md s7), never
  Dramatiq's delayed messages (our broker refuses delays). Kept rather than left out so that a
  message whose actor crashed (the job outcome could not even be recorded: a database outage, a
  bug) is *failed*, i.e. dead-lettered with its traceback for inspection, instead of silently
  acknowledged; the job itself is recovered from SQL by the scheduler's sweep.
* ``AgeLimit``, ``ShutdownNotifications``, ``Callbacks``, ``Pipelines``: inert until an actor or
  message sets their options (``max_age``, ``notify_shutdown``, ``on_success``, ``pipe_target``);
  none of ours does, and keeping them keeps Dramatiq's documented options working.

Left out, though Dramatiq ships them: ``Prometheus`` (not a default in 2.2.1; it opens an HTTP
port, 9191, in every worker process and needs a multiprocess directory; our metrics are served by
the web process from Redis counters), ``CurrentMessage`` (nothing of ours reads the current
message; the executor hands its ending to our middleware through ``worker.middleware.ending``),
``GroupCallbacks`` (needs a rate-limiter backend; groups are not used), ``Results`` (results live in
the jobs table) and ``AsyncIO`` (the actors are synchronous).

The worker's own middleware (log context, lease, done notification, summary line) is added after
these by the worker process (``worker.middleware``): this package must not import ``worker``.
"""

from __future__ import annotations

from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

#: The cap on one attempt when the caller gives none (``JOB_ATTEMPT_TIMEOUT_SECONDS``' default).
DEFAULT_ATTEMPT_TIMEOUT_S = 120.0
#: How often ``TimeLimit`` looks for attempts over the cap, milliseconds.
TIME_LIMIT_CHECK_MS = 1000


def stock_middleware(*, attempt_timeout_s: float = DEFAULT_ATTEMPT_TIMEOUT_S) -> list[Middleware]:
    """Dramatiq's default middleware, in Dramatiq's order, configured as the docstring says."""
    return [
        AgeLimit(),
        TimeLimit(time_limit=attempt_timeout_s * 1000, interval=TIME_LIMIT_CHECK_MS),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=0),
    ]
