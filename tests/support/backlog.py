"""Backlogs of jobs over the HTTP API and the tallies chaos tests assert on.

Shared by ``tests/e2e/test_worker_kill.py`` and ``bench/chaos.py``: submit many jobs in batches,
poll them until they are terminal (or a deadline passes), and count what HubSpot (the sandbox)
saw, so a kill, a flush or a storm can be judged by the same numbers everywhere.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
#: ``POST /v1/jobs/batch`` takes at most this many jobs.
BATCH = 100


def submit_jobs(api: httpx.Client, jobs: list[dict[str, Any]]) -> list[str]:
    """Submit ``jobs`` (``identifier``, ``tool_name``, ``tool_input``...) in batches; their ids."""
    ids: list[str] = []
    for start in range(0, len(jobs), BATCH):
        response = api.post("/v1/jobs/batch", json={"jobs": jobs[start : start + BATCH]})
        assert response.status_code == 202, response.text
        ids += [job["id"] for job in response.json()["jobs"]]
    return ids


def contact_creates(identifiers: list[str], per_user: int, tag: str) -> list[dict[str, Any]]:
    """``per_user`` contact creates for each identifier, every email unique to its job."""
    return [
        {
            "identifier": identifier,
            "tool_name": "hubspot_contact_create",
            "tool_input": {"email": f"{tag}-{u}-{n}@chaos.example", "firstname": f"N{n}"},
            "lane": "bulk",
        }
        for u, identifier in enumerate(identifiers)
        for n in range(per_user)
    ]


def read_jobs(api: httpx.Client, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The current view of every job in ``ids``."""
    views: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ",".join(ids[start : start + BATCH])
        response = api.get("/v1/jobs", params={"ids": chunk})
        response.raise_for_status()
        views.update({job["id"]: job for job in response.json()["jobs"]})
    return views


def wait_terminal(
    api: httpx.Client, ids: list[str], *, timeout: float, interval: float = 0.5
) -> tuple[dict[str, dict[str, Any]], float]:
    """Poll until every job is terminal or ``timeout`` passes: the last views and the seconds
    it took (``timeout`` or more when some never ended). A failed read (the web process's
    database restarting) is retried at the next poll."""
    started = time.monotonic()
    views: dict[str, dict[str, Any]] = {}
    while True:
        try:
            views = read_jobs(api, ids)
        except httpx.HTTPError:
            views = {}
        elapsed = time.monotonic() - started
        if not views and elapsed < timeout:
            time.sleep(interval)
            continue
        if all(v["status"] in TERMINAL for v in views.values()) or elapsed >= timeout:
            return views, elapsed
        time.sleep(interval)


@dataclass
class Tally:
    """What became of a set of jobs."""

    submitted: int
    succeeded: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    stuck: int = 0
    lost: int = 0

    @classmethod
    def of(cls, ids: list[str], views: dict[str, dict[str, Any]]) -> Tally:
        tally = cls(submitted=len(ids))
        for job_id in ids:
            view = views.get(job_id)
            if view is None:
                tally.lost += 1
            elif view["status"] == "succeeded":
                tally.succeeded += 1
            elif view["status"] in TERMINAL:
                tally.failed[str((view.get("error") or {}).get("code", view["status"]))] += 1
            else:
                tally.stuck += 1
        return tally


def created_contacts(stats: dict[str, Any]) -> int:
    """Contacts the sandbox created, one per record (single and batch creates alike)."""
    created: dict[str, int] = stats["records_created"]
    return int(created.get("contacts", 0))
