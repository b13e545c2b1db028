"""The ceiling of the queue itself: jobs/s of a Dramatiq actor that does nothing.

    .venv/bin/python -m bench.noop [--jobs 4000] [--processes 2] [--threads 8]

Same broker (``broker.redis_broker.build_broker``: wake-ups, a fresh message id per enqueue),
same worker settings (processes x threads, worker timeout) and same batched enqueue as the
pipeline, on a private Redis; the actor returns at once. ``bench.pipeline``'s 0 ms throughput
divided by this is the share of the queue's own ceiling the pipeline reaches with a real job
(claim, account, token, HubSpot call, finish) on every message.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import threading
import time
import uuid
from typing import Any

from dramatiq import Message, Worker

from broker.redis_broker import WORKER_TIMEOUT_MS, build_broker
from broker.wakeup import publish_wakeup
from tests.support.redis_server import PrivateRedis

QUEUE = "noop"
ACTOR = "noop"


def _worker_process(redis_url: str, threads: int, stop: Any) -> None:
    import dramatiq

    broker = build_broker(redis_url)

    def noop(_: str) -> None:
        return None

    dramatiq.Actor(noop, broker=broker, actor_name=ACTOR, queue_name=QUEUE, priority=0, options={})
    worker = Worker(
        broker, queues={QUEUE}, worker_threads=threads, worker_timeout=WORKER_TIMEOUT_MS
    )
    worker.start()
    stop.wait()
    worker.stop()


def run(jobs: int, processes: int, threads: int) -> dict[str, Any]:
    server = PrivateRedis().start()
    ctx = multiprocessing.get_context("fork")
    stop = ctx.Event()
    children = [
        ctx.Process(target=_worker_process, args=(server.url, threads, stop))
        for _ in range(processes)
    ]
    try:
        for child in children:
            child.start()
        time.sleep(1.5)
        broker = build_broker(server.url, wakeups=False)
        client = broker.client
        results = []
        for n in (500, jobs):  # a warm-up round, then the measured one
            messages: list[Message[Any]] = [
                Message(
                    queue_name=QUEUE,
                    actor_name=ACTOR,
                    args=(f"job_{uuid.uuid4().hex}",),
                    kwargs={},
                    options={"redis_message_id": uuid.uuid4().hex},
                )
                for _ in range(n)
            ]
            started = time.perf_counter()
            for i in range(0, n, 100):
                broker.enqueue_many(messages[i : i + 100])
                publish_wakeup(client, {QUEUE})
            while int(client.hlen(f"dramatiq:{QUEUE}.msgs")) > 0:
                time.sleep(0.005)
            results.append(n / (time.perf_counter() - started))
        return {"jobs": jobs, "noop_per_s": round(results[-1], 1)}
    finally:
        stop.set()
        for child in children:
            child.join(15)
            if child.is_alive():
                child.kill()
        server.close()
        threading.Event().wait(0.1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=4000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.jobs, args.processes, args.threads), indent=2))


if __name__ == "__main__":
    main()
