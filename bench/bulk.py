"""Bulk benchmark: many ``hubspot_contact_update`` jobs at our default per-portal budget.

    .venv/bin/python -m bench.bulk [--database sqlite] [--scenarios one,many]
        [--one-portal 10000] [--portals 20] [--per-portal 2000] [--timeout 1800]

DESIGN.md section 11's bulk targets, measured as a user of ``hubspot-actions bulk`` sees them:

* ``one``: ``--one-portal`` updates for one portal (target: >= 900 records/s end to end, 0 HubSpot
  429s, <= 110 HubSpot calls for 10,000 records);
* ``many``: ``--portals`` portals x ``--per-portal`` updates (target: >= 2,000 records/s).

The stack is ``bench.harness``'s, with our own budget at its default (``HUBSPOT_RATE_LIMIT_PER_10S``
100) and the sandbox at HubSpot's 110 calls / 10 s per portal. Contacts are created first, directly
in the sandbox while its limits are off (so seeding spends none of the budget). The jobs then go
through ``cli.bulk.BulkRun``, the code behind ``hubspot-actions bulk``: ``POST /v1/jobs/batch``,
100 per call, then ``GET /v1/jobs?ids=`` every 0.5 s. Records/s is records over the wall clock from
the first submission to the moment the client has seen the last result. HubSpot calls and 429s
come from the sandbox's counters (record calls only, ``crm_object_requests``).

Writes ``bench/results/bulk.json`` and ``bench/results/bulk.svg`` (records/s over time, from the
jobs' ``finished_at``), and prints a text sparkline of each series for the README.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.chart import per_second, sparkline, write_svg
from bench.harness import BenchStack, bench_stack, write_results
from cli.bulk import TERMINAL, BulkRun

#: HubSpot's burst limit for a public app, per portal (facts sheet section 3).
HUBSPOT_BURST_PER_10S = 110
SEED_BATCH = 100


def _email(portal: int, n: int) -> str:
    return f"bulk{portal}-{n}@bench.example"


def seed_contacts(stack: BenchStack, hub_id: int, portal: int, count: int) -> None:
    """``count`` contacts in the portal, by batch create with a direct token (limits are off)."""
    token = stack.direct_token(hub_id)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=stack.sandbox_url, headers=headers, timeout=60) as hub:
        for start in range(0, count, SEED_BATCH):
            inputs = [
                {"properties": {"email": _email(portal, n), "firstname": "Seed"}}
                for n in range(start, min(count, start + SEED_BATCH))
            ]
            response = hub.post("/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
            if response.status_code >= 300:
                raise RuntimeError(f"seeding failed: {response.status_code} {response.text}")


def _updates(portal: int, count: int) -> list[dict[str, Any]]:
    tag = uuid.uuid4().hex[:8]
    return [
        {
            "identifier": f"bulk_{portal}",
            "tool_name": "hubspot_contact_update",
            "tool_input": {"contact_id": _email(portal, n), "lastname": f"Run{tag}-{n}"},
            "lane": "bulk",
        }
        for n in range(count)
    ]


def _interleave(per_portal: list[list[dict[str, Any]]], chunk: int) -> list[dict[str, Any]]:
    """Round robin by chunks of 100: every portal's work starts early, as from many users."""
    out: list[dict[str, Any]] = []
    longest = max(len(items) for items in per_portal)
    for start in range(0, longest, chunk):
        for items in per_portal:
            out.extend(items[start : start + chunk])
    return out


class _Recorder:
    """The API calls of a ``BulkRun``, noting when the client first saw each job finished."""

    def __init__(self, api: httpx.Client) -> None:
        self.api = api
        self.seen: dict[str, float] = {}

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.api.request(method, path, **kwargs)
        response.raise_for_status()
        body = response.json()
        if method == "GET":
            now = time.time()
            for job in body["jobs"]:
                if job["status"] in TERMINAL:
                    self.seen.setdefault(job["id"], now)
        return body


def _crm_counts(stack: BenchStack) -> tuple[int, int]:
    stats = stack.control("GET", "/_sandbox/stats")
    return sum(stats["crm_object_requests"].values()), int(stats["rate_limited_429"])


def _cpu_seconds(stack: BenchStack) -> dict[str, float]:
    """User + system CPU seconds used so far by each process of the stack, its children
    included (the worker's processes): the cost per job, which a loaded machine's wall clock
    hides."""
    used: dict[str, float] = {}
    for name, managed in stack.processes.items():
        if managed.process is None or managed.process.poll() is not None:
            continue
        root = psutil.Process(managed.process.pid)
        total = 0.0
        for proc in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
        used[name] = total
    return used


def run_scenario(
    stack: BenchStack, name: str, portals: list[int], per_portal: int, timeout: float
) -> dict[str, Any]:
    items = _interleave([_updates(p, per_portal) for p in portals], SEED_BATCH)
    calls_before, limited_before = _crm_counts(stack)
    cpu_before = _cpu_seconds(stack)
    with stack.api() as api:
        recorder = _Recorder(api)
        run = BulkRun(call=recorder, batch_size=SEED_BATCH)
        started = time.time()
        run.submit(items)
        submitted = time.time()
        run.follow(timeout)
    calls_after, limited_after = _crm_counts(stack)
    cpu_after = _cpu_seconds(stack)
    if run.refused or len(run.finished) < len(items):
        raise RuntimeError(f"{name}: {len(run.refused)} refused, {len(run.finished)} finished")
    last_seen = max(recorder.seen.values())
    failed = run.failed_jobs()
    finished_offsets = [
        datetime.fromisoformat(job["finished_at"]).timestamp() - started
        for job in run.finished.values()
    ]
    counts = per_second(finished_offsets)
    # How the jobs went to HubSpot: jobs by the size of the call that carried them (None: alone).
    sizes = Counter(str(job["history"][-1].get("batch_size")) for job in run.finished.values())
    last = max(run.finished.values(), key=lambda job: str(job["finished_at"]))
    return {
        "scenario": name,
        "portals": len(portals),
        "records": len(items),
        "failed": len(failed),
        "failed_sample": [job["error"] for job in failed[:3]],
        "submission_s": round(submitted - started, 2),
        "wall_s": round(last_seen - started, 2),
        "records_per_s": round(len(items) / (last_seen - started), 1),
        "hubspot_calls": calls_after - calls_before,
        "hubspot_429s": limited_after - limited_before,
        "cpu_ms_per_record": {
            proc: round(1000 * (cpu_after[proc] - cpu_before.get(proc, 0.0)) / len(items), 3)
            for proc in cpu_after
        },
        "per_second": counts,
        "sparkline": sparkline(counts),
        "jobs_by_call_size": dict(sizes.most_common()),
        "last_job_history": [
            {k: entry.get(k) for k in ("outcome", "batch_size", "delay_s")}
            for entry in last["history"]
        ],
    }


def run(database: str, scenarios: list[str], args: argparse.Namespace) -> list[dict[str, Any]]:
    plan = {"one": (1, args.one_portal), "many": (args.portals, args.per_portal)}
    results: list[dict[str, Any]] = []
    with bench_stack(database, env_overrides={"HUBSPOT_RATE_LIMIT_PER_10S": "100"}) as stack:
        base = 0
        for name in scenarios:
            portal_count, per_portal = plan[name]
            portals = list(range(base, base + portal_count))
            base += portal_count
            stack.control("POST", "/_sandbox/limits", {"burst_per_10s": 0, "search_per_second": 0})
            for portal in portals:
                hub_id = stack.connect(f"bulk_{portal}")
                seed_contacts(stack, hub_id, portal, per_portal)
            stack.control(
                "POST",
                "/_sandbox/limits",
                {"burst_per_10s": HUBSPOT_BURST_PER_10S, "search_per_second": 5},
            )
            time.sleep(2.0)  # the portal schema reads on connect are done
            result = run_scenario(stack, name, portals, per_portal, args.timeout)
            result["database"] = database
            results.append(result)
            print(json.dumps({k: v for k, v in result.items() if k != "per_second"}))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--scenarios", default="one,many")
    parser.add_argument("--one-portal", type=int, default=10_000)
    parser.add_argument("--portals", type=int, default=20)
    parser.add_argument("--per-portal", type=int, default=2_000)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/bulk.json"))
    args = parser.parse_args(argv)
    results = run(args.database, args.scenarios.split(","), args)
    write_results(args.out, results)
    write_svg(
        args.out.with_suffix(".svg"),
        f"bulk contact updates ({args.database})",
        {
            f"{r['scenario']}: {r['portals']} x {r['records'] // r['portals']}": r["per_second"]
            for r in results
        },
    )
    for r in results:
        print(f"{r['scenario']:>5} {r['records_per_s']:>8} rec/s |{r['sparkline']}|")


if __name__ == "__main__":
    main()
