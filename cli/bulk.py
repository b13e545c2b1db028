"""``hubspot-actions bulk``: many submissions through the batch API, followed to the end.

Lines go in batches of 100 (``POST /v1/jobs/batch``), each batch one round trip, with a progress
bar; a refused line (invalid input, unknown account) is reported with its line number and code,
and the others still go. Following reads up to 100 jobs per ``GET /v1/jobs?ids=`` until all are
finished; its progress bar counts the failed jobs and the ones waiting out a rate limit (our
budget or HubSpot's 429) as they happen, so a slow run says why it is slow.

The summary counts outcomes by status and error code and, for each code, shows a few messages and
job ids to look at; ``--errors FILE`` writes every refused line and failed job's submission as
JSONL, ready to fix and submit again.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

#: Pause between rounds of reading unfinished jobs (seconds).
FOLLOW_INTERVAL_S = 0.5
TERMINAL = ("succeeded", "failed", "cancelled")
#: History outcomes of a job waiting for a rate-limit slot (ours or HubSpot's).
RATE_WAITS = ("throttled", "rate_limited")
#: How many sample messages and job ids the summary shows per error code.
SAMPLES = 3
SAMPLE_IDS = 5
#: Longest sample message shown (HubSpot's option lists can be long).
SAMPLE_CHARS = 160


class BulkRun:
    def __init__(self, *, call: Callable[..., Any], batch_size: int) -> None:
        self.call = call
        self.batch_size = batch_size
        self.job_ids: list[str] = []
        self.lines: dict[str, Any] = {}  # job id -> the submission that made it
        self.refused: list[tuple[int, str, str, Any]] = []  # (line, code, message, submission)
        self.finished: dict[str, dict[str, Any]] = {}
        self.waiting_on_rate = 0

    def submit(self, items: list[Any]) -> None:
        with typer.progressbar(length=len(items), label="submitting") as bar:
            for start in range(0, len(items), self.batch_size):
                chunk = items[start : start + self.batch_size]
                answers = self.call("POST", "/v1/jobs/batch", json={"jobs": chunk})["jobs"]
                for offset, (item, answer) in enumerate(zip(chunk, answers, strict=True)):
                    if "id" in answer:  # an accepted job (whose "error" is null)
                        self.job_ids.append(answer["id"])
                        self.lines[answer["id"]] = item
                    else:
                        error = answer["error"]
                        line = start + offset + 1
                        self.refused.append((line, error["code"], error["message"], item))
                bar.update(len(chunk))

    def follow(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with typer.progressbar(length=len(self.job_ids), label=self._label()) as bar:
            while len(self.finished) < len(self.job_ids) and time.monotonic() < deadline:
                before = len(self.finished)
                self._read_round()
                bar.label = self._label()
                bar.update(len(self.finished) - before)
                if len(self.finished) < len(self.job_ids):
                    time.sleep(FOLLOW_INTERVAL_S)

    def _read_round(self) -> None:
        pending = [i for i in self.job_ids if i not in self.finished]
        waiting = 0
        for start in range(0, len(pending), self.batch_size):
            ids = ",".join(pending[start : start + self.batch_size])
            for job in self.call("GET", "/v1/jobs", params={"ids": ids})["jobs"]:
                if job["status"] in TERMINAL:
                    self.finished[job["id"]] = job
                elif _waiting_on_rate(job):
                    waiting += 1
        self.waiting_on_rate = waiting

    def _label(self) -> str:
        failed = sum(1 for job in self.finished.values() if job["status"] != "succeeded")
        return f"running (failed {failed}, throttled {self.waiting_on_rate})"

    def all_succeeded(self, *, waited: bool) -> bool:
        if self.refused:
            return False
        if not waited:
            return True
        return len(self.finished) == len(self.job_ids) and all(
            job["status"] == "succeeded" for job in self.finished.values()
        )

    def failed_jobs(self) -> list[dict[str, Any]]:
        return [job for job in self.finished.values() if job["status"] != "succeeded"]

    def summary(self) -> str:
        outcomes = Counter(_outcome(job) for job in self.finished.values())
        lines = [f"submitted: {len(self.job_ids)}, refused: {len(self.refused)}"]
        if self.finished or self.job_ids:
            unfinished = len(self.job_ids) - len(self.finished)
            done = ", ".join(f"{name}: {n}" for name, n in sorted(outcomes.items()))
            lines.append(
                f"finished: {len(self.finished)} ({done or 'none'}), unfinished: {unfinished}"
            )
        lines += self._failure_lines()
        refused = Counter(code for _, code, _, _ in self.refused)
        for code, n in sorted(refused.items()):
            mine = [r for r in self.refused if r[1] == code]
            first = [str(number) for number, *_ in mine][:10]
            lines.append(f"refused {code}: {n} (lines {', '.join(first)})")
            lines += [f"    {_short(message)}" for message in _distinct(r[2] for r in mine)]
        return "\n".join(lines)

    def _failure_lines(self) -> list[str]:
        by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for job in self.failed_jobs():
            by_code[_outcome(job)].append(job)
        lines = []
        for code, jobs in sorted(by_code.items()):
            ids = ", ".join(job["id"] for job in jobs[:SAMPLE_IDS])
            more = f", +{len(jobs) - SAMPLE_IDS} more" if len(jobs) > SAMPLE_IDS else ""
            lines.append(f"failed {code}: {len(jobs)} (jobs {ids}{more})")
            messages = ((job.get("error") or {}).get("message") or "" for job in jobs)
            lines += [f"    {_short(message)}" for message in _distinct(messages) if message]
        return lines

    def write_errors(self, path: Path) -> int:
        """Every refused line and failed job's submission, one JSON object a line."""
        rows = [item for _, _, _, item in self.refused]
        rows += [self.lines[job["id"]] for job in self.failed_jobs() if job["id"] in self.lines]
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
        return len(rows)


def _outcome(job: dict[str, Any]) -> str:
    if job["status"] == "succeeded":
        return "succeeded"
    return str((job.get("error") or {}).get("code") or job["status"])


def _waiting_on_rate(job: dict[str, Any]) -> bool:
    history = job.get("history") or []
    return bool(history) and history[-1].get("outcome") in RATE_WAITS


def _distinct(messages: Any) -> list[str]:
    seen: list[str] = []
    for message in messages:
        if message not in seen:
            seen.append(message)
        if len(seen) == SAMPLES:
            break
    return seen


def _short(message: str) -> str:
    flat = " ".join(message.split())
    return flat if len(flat) <= SAMPLE_CHARS else flat[: SAMPLE_CHARS - 3] + "..."
