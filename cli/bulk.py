"""``hubspot-actions bulk``: many submissions through the batch API, followed to the end.

Lines go in batches of 100 (``POST /v1/jobs/batch``), each batch one round trip, with a progress
bar; a refused line (invalid input, unknown account) is reported with its line number and code,
and the others still go. Following reads up to 100 jobs per ``GET /v1/jobs?ids=`` until all are
finished, with a second progress bar; the summary counts outcomes by status and error code.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import typer

#: Pause between rounds of reading unfinished jobs (seconds).
FOLLOW_INTERVAL_S = 0.5
TERMINAL = ("succeeded", "failed", "cancelled")


class BulkRun:
    def __init__(self, *, call: Callable[..., Any], batch_size: int) -> None:
        self.call = call
        self.batch_size = batch_size
        self.job_ids: list[str] = []
        self.refused: list[tuple[int, str]] = []  # (line number, error code)
        self.finished: dict[str, dict[str, Any]] = {}

    def submit(self, items: list[Any]) -> None:
        with typer.progressbar(length=len(items), label="submitting") as bar:
            for start in range(0, len(items), self.batch_size):
                chunk = items[start : start + self.batch_size]
                answers = self.call("POST", "/v1/jobs/batch", json={"jobs": chunk})["jobs"]
                for offset, answer in enumerate(answers):
                    if "id" in answer:  # an accepted job (whose "error" is null)
                        self.job_ids.append(answer["id"])
                    else:
                        self.refused.append((start + offset + 1, answer["error"]["code"]))
                bar.update(len(chunk))

    def follow(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with typer.progressbar(length=len(self.job_ids), label="running   ") as bar:
            while len(self.finished) < len(self.job_ids) and time.monotonic() < deadline:
                before = len(self.finished)
                pending = [i for i in self.job_ids if i not in self.finished]
                for start in range(0, len(pending), self.batch_size):
                    ids = ",".join(pending[start : start + self.batch_size])
                    for job in self.call("GET", "/v1/jobs", params={"ids": ids})["jobs"]:
                        if job["status"] in TERMINAL:
                            self.finished[job["id"]] = job
                bar.update(len(self.finished) - before)
                if len(self.finished) < len(self.job_ids):
                    time.sleep(FOLLOW_INTERVAL_S)

    def all_succeeded(self, *, waited: bool) -> bool:
        if self.refused:
            return False
        if not waited:
            return True
        return len(self.finished) == len(self.job_ids) and all(
            job["status"] == "succeeded" for job in self.finished.values()
        )

    def summary(self) -> str:
        outcomes = Counter(
            job["status"]
            if job["status"] == "succeeded"
            else (job.get("error") or {}).get("code") or job["status"]
            for job in self.finished.values()
        )
        lines = [f"submitted: {len(self.job_ids)}, refused: {len(self.refused)}"]
        if self.finished or self.job_ids:
            unfinished = len(self.job_ids) - len(self.finished)
            done = ", ".join(f"{name}: {n}" for name, n in sorted(outcomes.items()))
            lines.append(
                f"finished: {len(self.finished)} ({done or 'none'}), unfinished: {unfinished}"
            )
        refused = Counter(code for _, code in self.refused)
        for code, n in sorted(refused.items()):
            first = [str(number) for number, c in self.refused if c == code][:10]
            lines.append(f"refused {code}: {n} (lines {', '.join(first)})")
        return "\n".join(lines)
