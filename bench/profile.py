"""Where the web and the worker spend their time under ``bench.pipeline``'s 0 ms throughput load.

    .venv/bin/pip install py-spy
    .venv/bin/python -m bench.profile [--database sqlite] [--jobs 3000] [--top 15]

Starts ``bench.harness``'s stack, warms it up, then samples the web process and the worker (its
children included) with ``py-spy record --format raw`` while ``bench.pipeline`` submits ``--jobs``
contact creates and polls them to the end. The collapsed stacks are folded into the top functions
by self time (samples in the function itself) and by cumulative time (samples with the function
anywhere on the stack), as percentages of the process's non-idle samples.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.harness import bench_stack
from bench.pipeline import CREATES, IDENTIFIER, pipeline_throughput, reads_workload

RATE_HZ = 200


def _frame_name(frame: str) -> str:
    """``func (path/to/module.py:123)`` -> ``func (module.py)``: lines differ per call site."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    parts = Path(path).parts
    short = "/".join(parts[-2:]) if parts else path
    return f"{name} ({short})"


#: py-spy names files relative to their ``sys.path`` entry: ours start with a package of ours.
OUR_PACKAGES = ("core", "schemas", "hubspot_client", "store", "broker", "worker", "producer", "cli")


def _is_ours(frame: str) -> bool:
    where = frame.partition(" (")[2]
    return where.split("/", 1)[0] in OUR_PACKAGES


def fold(raw: str, top: int) -> dict[str, Any]:
    """Top ``top`` functions by self share of the samples in ``raw``, and our own functions by
    cumulative share (library frames such as ``Thread.run`` would fill that list otherwise)."""
    self_counts: Counter[str] = Counter()
    cumulative: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        raw_frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not raw_frames:
            continue
        total += count
        self_counts[_frame_name(raw_frames[-1])] += count
        for name in {_frame_name(f) for f in raw_frames if _is_ours(f)}:
            cumulative[name] += count

    def ranked(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(top)]

    return {"samples": total, "self": ranked(self_counts), "cumulative": ranked(cumulative)}


def _record(pid: int, out: Path, *, subprocesses: bool, gil: bool) -> subprocess.Popen[bytes]:
    beside = Path(sys.executable).parent / "py-spy"  # pip installs it beside the venv's python
    py_spy = str(beside) if beside.exists() else shutil.which("py-spy") or "py-spy"
    args = [py_spy, "record", "--pid", str(pid), "--format", "raw", "--rate", str(RATE_HZ)]
    args += ["--output", str(out), "--nonblocking"]
    if subprocesses:
        args.append("--subprocesses")
    if gil:
        args.append("--gil")
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument(
        "--reads", action="store_true", help="contact reads (one HubSpot call per job)"
    )
    parser.add_argument("--gil", action="store_true", help="only samples holding the GIL")
    parser.add_argument("--out", type=Path, default=Path("bench/results/profile"))
    parser.add_argument("--fold-only", action="store_true", help="re-read the last recording")
    args = parser.parse_args(argv)
    if args.fold_only:
        for name in ("web", "worker"):
            print(name, json.dumps(fold((args.out / f"{name}.txt").read_text(), args.top)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"database": args.database, "jobs": args.jobs}
    with bench_stack(args.database) as stack:
        stack.connect(IDENTIFIER)
        workload = reads_workload(stack, stack.direct_token()) if args.reads else CREATES
        result["tool"] = workload.tool()[0]
        pipeline_throughput(stack, 200, workload)  # warm-up
        recorders = {
            name: _record(
                stack.processes[name].pid,
                args.out / f"{name}.txt",
                subprocesses=sub,
                gil=args.gil,
            )
            for name, sub in (("web", False), ("worker", True))
        }
        time.sleep(1.0)  # py-spy attached
        result["jobs_per_s"] = round(pipeline_throughput(stack, args.jobs, workload), 1)
        for recorder in recorders.values():
            recorder.send_signal(signal.SIGINT)
            recorder.wait(30)
    for name in recorders:
        result[name] = fold((args.out / f"{name}.txt").read_text(), args.top)
    (args.out / "profile.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
