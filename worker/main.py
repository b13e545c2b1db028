"""``hubspot-actions worker``: Dramatiq worker processes, supervised.

Each process builds its own runtime after the fork (database engines and Redis connections must
never cross a fork), declares the actors on its broker and runs a Dramatiq ``Worker`` with
``WORKER_THREADS`` threads on every queue. The parent restarts a child that dies (a crash or an
OOM kill must not silently halve capacity) and, on SIGINT/SIGTERM, stops them all: in-flight
messages are requeued by Dramatiq and running jobs finish or are re-run after their lease lapses.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.context import ForkProcess
from types import FrameType

from dramatiq import Worker

from broker.redis_broker import ALL_QUEUES, WORKER_TIMEOUT_MS
from core.logging import configure_logging, get_logger
from core.settings import Settings
from worker.actors import declare_actors
from worker.runtime import WorkerRuntime, build_runtime

log = get_logger(__name__)

#: How long a stopping worker waits for running jobs before giving up on them (ms).
SHUTDOWN_TIMEOUT_MS = 30_000
#: A child that dies sooner than this after starting is crashing, not dying: back off.
_CRASH_WINDOW_S = 5.0


def run_worker_process(settings: Settings, *, stop: threading.Event | None = None) -> None:
    """One worker process: runtime, actors, Dramatiq worker, until signalled."""
    configure_logging(level=settings.log_level, json=settings.wants_json_logs, component="worker")
    runtime = build_runtime(settings)
    for middleware in runtime.middleware():
        runtime.broker.add_middleware(middleware)
    declare_actors(runtime.broker, lambda: runtime)
    # What Dramatiq's own CLI emits once per worker process: starts TimeLimit's watcher thread.
    runtime.broker.emit_after("process_boot")
    stop = stop or _stop_event_on_signals()
    worker = Worker(
        runtime.broker,
        queues=set(ALL_QUEUES),
        worker_threads=settings.worker_threads,
        worker_timeout=WORKER_TIMEOUT_MS,
    )
    worker.start()
    log.info("worker.started", pid=os.getpid(), threads=settings.worker_threads)
    try:
        stop.wait()
    finally:
        log.info("worker.stopping", pid=os.getpid())
        worker.stop(timeout=SHUTDOWN_TIMEOUT_MS)
        if runtime.broker.wakeups is not None:
            runtime.broker.wakeups.stop()
        runtime.close()


def run_workers(settings: Settings) -> None:
    """``WORKER_PROCESSES`` worker processes (in this process when it is 1)."""
    settings.require_redis_url("worker")
    if settings.worker_processes == 1:
        run_worker_process(settings)
        return
    configure_logging(level=settings.log_level, json=settings.wants_json_logs, component="worker")
    Supervisor(settings).run()


class Supervisor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ctx = multiprocessing.get_context("fork")
        self.children: dict[int, ForkProcess] = {}
        self.stop = _stop_event_on_signals()

    def _spawn(self, slot: int) -> None:
        proc = self.ctx.Process(
            target=run_worker_process, args=(self.settings,), name=f"worker-{slot}", daemon=False
        )
        proc.start()
        self.children[slot] = proc
        log.info("worker.child_started", slot=slot, pid=proc.pid)

    def run(self) -> None:
        for slot in range(self.settings.worker_processes):
            self._spawn(slot)
        started = dict.fromkeys(self.children, time.monotonic())
        while not self.stop.wait(0.5):
            for slot, proc in list(self.children.items()):
                if proc.is_alive():
                    continue
                log.error("worker.child_died", slot=slot, pid=proc.pid, exitcode=proc.exitcode)
                if time.monotonic() - started[slot] < _CRASH_WINDOW_S:
                    time.sleep(_CRASH_WINDOW_S)
                self._spawn(slot)
                started[slot] = time.monotonic()
        self._shutdown()

    def _shutdown(self) -> None:
        for proc in self.children.values():
            if proc.is_alive() and proc.pid:
                os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + SHUTDOWN_TIMEOUT_MS / 1000 + 5
        for proc in self.children.values():
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()


def _stop_event_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


__all__ = ["WorkerRuntime", "run_worker_process", "run_workers"]
