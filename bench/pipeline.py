"""Pipeline benchmark: throughput, latency overhead and idle pickup, against direct calls.

    .venv/bin/python -m bench.pipeline [--databases sqlite,postgres] [--jobs 800] [--samples 200]

For each database (``run``'s SQLite default, and PostgreSQL) it starts a private Redis, the
sandbox, web, worker (2 processes x 8 threads) and scheduler, then measures in one run:

* throughput at 0 ms and 100 ms injected sandbox latency: jobs/s through the pipeline (batch
  submission, then until the last job finished) vs direct httpx calls to the same sandbox at the
  same concurrency (16);
* latency: one job submitted and awaited over HTTP vs one direct call, 200 samples each, back to
  back and after ``--idle`` seconds of quiet, and the overhead at p50/p99;
* idle pickup: the time from a job's row being written to a worker claiming it, with wake-ups
  and with Dramatiq's stock idle polling.

Results are printed as JSON (and written to ``bench/results/``); figures go into
``bench/README.md`` by hand, with the machine they were measured on.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from bench.harness import (
    BenchStack,
    bench_stack,
    direct_create_ms,
    new_contact,
    overhead,
    sampling_parser,
    summary,
    write_results,
)

CONCURRENCY = 16
IDENTIFIER = "bench_user"


@dataclass(frozen=True)
class Workload:
    """What the throughput runs call: contact creates (coalesced by the worker into batch calls,
    DESIGN.md s12) or, with ``--reads``, contact reads by id (one HubSpot call per job)."""

    #: The contact read through the pipeline (in its portal) and the one read directly (in the
    #: direct calls' own portal); None for creates.
    read_id: str | None = None
    direct_read_id: str | None = None

    def tool(self) -> tuple[str, dict[str, Any]]:
        if self.read_id is None:
            return "hubspot_contact_create", new_contact()
        return "hubspot_contact_get", {"contact_id": self.read_id}

    def direct(self, client: httpx.Client) -> httpx.Response:
        if self.direct_read_id is None:
            return client.post("/crm/v3/objects/contacts", json={"properties": new_contact()})
        return client.get(f"/crm/v3/objects/contacts/{self.direct_read_id}")


def create_and_wait(api: httpx.Client) -> dict[str, Any]:
    """One contact create submitted over HTTP and awaited (long-poll): the finished job."""
    job = api.post(
        "/v1/jobs",
        json={
            "identifier": IDENTIFIER,
            "tool_name": "hubspot_contact_create",
            "tool_input": new_contact(),
        },
    ).json()["job"]
    done: dict[str, Any] = api.get(f"/v1/jobs/{job['id']}", params={"wait": 10}).json()["job"]
    return done


def reads_workload(stack: BenchStack, token: str) -> Workload:
    """One contact in each portal (created through the pipeline in its own), read again and
    again."""
    direct = httpx.post(
        f"{stack.sandbox_url}/crm/v3/objects/contacts",
        headers={"Authorization": f"Bearer {token}"},
        json={"properties": new_contact()},
    )
    with stack.api() as api:
        done = create_and_wait(api)
    return Workload(
        read_id=str(done["result"]["id"]),
        direct_read_id=str(direct.raise_for_status().json()["id"]),
    )


CREATES = Workload()


def direct_throughput(stack: BenchStack, token: str, n: int, workload: Workload = CREATES) -> float:
    """Direct calls to the sandbox from CONCURRENCY threads sharing one client."""
    client = httpx.Client(
        base_url=stack.sandbox_url,
        headers={"Authorization": f"Bearer {token}"},
        limits=httpx.Limits(max_connections=CONCURRENCY),
        timeout=30,
    )

    def call(_: int) -> None:
        workload.direct(client).raise_for_status()

    with client, ThreadPoolExecutor(CONCURRENCY) as pool:
        started = time.perf_counter()
        list(pool.map(call, range(n)))
        return n / (time.perf_counter() - started)


#: How often the throughput client reads its unfinished jobs (seconds).
POLL_INTERVAL_S = 0.05


def pipeline_throughput(stack: BenchStack, n: int, workload: Workload = CREATES) -> float:
    """Batch-submit ``n`` jobs and poll them to the end; jobs/s as the client sees it: from just
    before the first submission to the moment it has read the last result (DESIGN.md s11),
    submission and polling included."""
    jobs = [
        {"identifier": IDENTIFIER, "tool_name": tool, "tool_input": tool_input}
        for tool, tool_input in (workload.tool() for _ in range(n))
    ]
    with stack.api() as api:
        started = time.perf_counter()
        ids: list[str] = []
        for i in range(0, n, 100):
            response = api.post("/v1/jobs/batch", json={"jobs": jobs[i : i + 100]})
            response.raise_for_status()
            ids += [j["id"] for j in response.json()["jobs"]]
        pending = dict.fromkeys(ids)  # in submission order: the oldest are read first
        while pending:
            unfinished = list(pending)
            for start in range(0, len(unfinished), 100):
                chunk = unfinished[start : start + 100]
                answer = api.get("/v1/jobs", params={"ids": ",".join(chunk)}).json()["jobs"]
                for job in answer:
                    if job["status"] in ("succeeded", "failed", "cancelled"):
                        if job["status"] != "succeeded":
                            raise RuntimeError(f"job failed: {job['error']}")
                        pending.pop(job["id"], None)
                if all(j["status"] not in ("succeeded", "failed", "cancelled") for j in answer):
                    break  # the rest are younger still: wait before reading further
            if pending:
                time.sleep(POLL_INTERVAL_S)
        return n / (time.perf_counter() - started)


def latencies(stack: BenchStack, token: str, samples: int, idle_s: float) -> dict[str, Any]:
    """Sequential samples on an idle system: direct call vs submit-and-wait over HTTP.

    ``idle_s`` of quiet before each job lets idle workers settle into their idle behaviour
    (Dramatiq's stock consumer backs off further the longer its queue stays empty).
    """
    direct_ms: list[float] = []
    pipeline_ms: list[float] = []
    pickup_ms: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=stack.sandbox_url, headers=headers) as hub, stack.api() as api:
        for _ in range(samples):
            direct_ms.append(direct_create_ms(hub))
            time.sleep(idle_s)
            t0 = time.perf_counter()
            done = create_and_wait(api)
            pipeline_ms.append((time.perf_counter() - t0) * 1000)
            if done["status"] != "succeeded":
                raise RuntimeError(f"job failed: {done}")
            created = datetime.fromisoformat(done["created_at"])
            started = datetime.fromisoformat(done["started_at"])
            pickup_ms.append((started - created).total_seconds() * 1000)
    d, p = summary(direct_ms), summary(pipeline_ms)
    return {
        "direct_ms": d,
        "pipeline_ms": p,
        "overhead_ms": overhead(d, p),
        "pickup_ms": summary(pickup_ms),
    }


def run(database: str, jobs: int, samples: int, idle_s: float, reads: bool) -> dict[str, Any]:
    with bench_stack(database) as stack:
        stack.connect(IDENTIFIER)
        token = stack.direct_token()
        workload = reads_workload(stack, token) if reads else CREATES
        # Warm-up with the measured workload: connections (the call pools' threads open theirs
        # on first use), caches.
        pipeline_throughput(stack, 200, workload)
        direct_throughput(stack, token, 200, workload)
        result: dict[str, Any] = {"database": database, "tool": workload.tool()[0]}
        for latency_ms in (0, 100):
            stack.control("DELETE", "/_sandbox/faults")
            if latency_ms:
                stack.control(
                    "POST",
                    "/_sandbox/faults",
                    {"path_prefix": "/crm/v3/objects/contacts", "latency_ms": latency_ms},
                )
            n = jobs if latency_ms == 0 else max(480, jobs // 2)
            direct = direct_throughput(stack, token, n, workload)
            pipeline = pipeline_throughput(stack, n, workload)
            result[f"throughput_{latency_ms}ms"] = {
                "jobs": n,
                "direct_per_s": round(direct, 1),
                "pipeline_per_s": round(pipeline, 1),
                "ratio": round(pipeline / direct, 3),
            }
        stack.control("DELETE", "/_sandbox/faults")
        time.sleep(1.0)
        result["latency_back_to_back"] = latencies(stack, token, samples, 0.0)
        result["latency_wakeups"] = latencies(stack, token, samples, idle_s)
        stack.restart_worker(WORKER_WAKEUPS="false")
        result["latency_polling"] = latencies(stack, token, samples, idle_s)
        return result


def main(argv: list[str] | None = None) -> None:
    parser = sampling_parser(
        __doc__, databases="sqlite,postgres", out="bench/results/pipeline.json"
    )
    parser.add_argument("--jobs", type=int, default=800)
    parser.add_argument(
        "--reads", action="store_true", help="throughput of contact reads (one call per job)"
    )
    args = parser.parse_args(argv)
    results = [
        run(db, args.jobs, args.samples, args.idle, args.reads) for db in args.databases.split(",")
    ]
    print(write_results(args.out, results))


if __name__ == "__main__":
    main()
