"""``Actions.execute_tool`` overhead on an idle system: over HTTP and in-process.

    .venv/bin/python -m bench.execute [--databases postgres,sqlite] [--samples 200] [--idle 0.3]

For each database: the benchmark stack (``bench.harness``), one connected user, then alternating
samples of one direct httpx call to the sandbox and one ``execute_tool`` (a contact create that
waits for its result), with ``--idle`` seconds of quiet before each so that workers are idle when
the job arrives. The overhead is the difference of the percentiles (DESIGN.md s11: p50 <= 15 ms,
p99 <= 60 ms).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
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
from producer import Actions

IDENTIFIER = "bench_execute"


def _sample(
    stack: BenchStack, token: str, execute: Callable[[], Any], samples: int, idle_s: float
) -> dict[str, Any]:
    direct_ms: list[float] = []
    tool_ms: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=stack.sandbox_url, headers=headers) as hub:
        for _ in range(samples):
            direct_ms.append(direct_create_ms(hub))
            time.sleep(idle_s)
            t0 = time.perf_counter()
            execute()
            tool_ms.append((time.perf_counter() - t0) * 1000)
    d, t = summary(direct_ms), summary(tool_ms)
    return {
        "direct_ms": d,
        "execute_tool_ms": t,
        "overhead_ms": overhead(d, t),
    }


def run(database: str, samples: int, idle_s: float) -> dict[str, Any]:
    with bench_stack(database) as stack:
        stack.connect(IDENTIFIER)
        token = stack.direct_token()
        result: dict[str, Any] = {"database": database}
        with Actions(base_url=stack.base_url, api_key=stack.api_key) as http_actions:

            def over_http() -> Any:
                return http_actions.execute_tool(
                    identifier=IDENTIFIER,
                    tool_name="hubspot_contact_create",
                    tool_input=new_contact(),
                )

            for _ in range(20):  # warm-up: connections, caches
                over_http()
            result["http"] = _sample(stack, token, over_http, samples, idle_s)
        saved = dict(os.environ)
        os.environ.update(stack.env)
        try:
            with Actions.from_env() as local_actions:

                def in_process() -> Any:
                    return local_actions.execute_tool(
                        identifier=IDENTIFIER,
                        tool_name="hubspot_contact_create",
                        tool_input=new_contact(),
                    )

                for _ in range(20):
                    in_process()
                result["in_process"] = _sample(stack, token, in_process, samples, idle_s)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return result


def main(argv: list[str] | None = None) -> None:
    parser = sampling_parser(__doc__, databases="postgres,sqlite", out="bench/results/execute.json")
    args = parser.parse_args(argv)
    results = [run(db, args.samples, args.idle) for db in args.databases.split(",")]
    print(write_results(args.out, results))


if __name__ == "__main__":
    main()
