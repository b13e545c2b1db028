"""Dramatiq's own Redis broker tests, run against our broker (issue 9 item 6).

``broker.redis_broker`` subclasses Dramatiq's private ``_RedisConsumer`` and re-issues the
arguments of ``RedisBroker._dispatch``, so an upgrade may break us silently. ``pyproject.toml``
pins the exact version; this test fetches that version's source distribution from the package
registry (cached under ``.cache/``, never committed), puts ``dramatiq_conftest.py`` beside its
``tests/test_redis.py`` so that ``redis_broker`` is our ``build_broker(...)``, runs it in a
subprocess, and requires every test to pass except those of features we remove on purpose.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.services import REDIS_BASE, redis_available, require

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "dramatiq-contract"
CONFTEST = Path(__file__).with_name("dramatiq_conftest.py")

_DELAYS = "delayed messages are refused: waiting goes through our schedule (DESIGN.md s7)"
_RETRIES = "Retries re-enqueues with a delay, which we refuse: retries are our RetryPolicy's"
_BATCHED_ACKS = (
    "acks are queued and sent in one pipeline by the consumer thread (broker/acks.py), not by "
    "do_ack per message; their retry on a lost connection: tests/contract/test_batched_acks.py"
)

#: Their tests of features our broker removes on purpose, each with the reason.
REMOVED_FEATURES = {
    "test_redis_actors_retry_with_backoff_on_failure": _RETRIES,
    "test_redis_actors_can_retry_multiple_times": _RETRIES,
    "test_redis_actors_can_have_their_messages_delayed": _DELAYS,
    "test_redis_actors_can_delay_messages_independent_of_each_other": _DELAYS,
    "test_redis_requeues_unhandled_delay_messages_on_shutdown": _DELAYS,
    "test_redis_join_race_condition": _DELAYS,
    "test_redis_consumer_ack_can_retry_on_connection_error": _BATCHED_ACKS,
}
#: How many tests their module holds in the pinned version (a changed module is a new contract).
EXPECTED_TESTS = 20


def pinned_version() -> str:
    """The exact ``dramatiq[redis]==X`` pin of ``pyproject.toml``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = [d for d in project["dependencies"] if d.startswith("dramatiq[redis]==")]
    assert len(pins) == 1, project["dependencies"]
    return str(pins[0].split("==", 1)[1])


def fetch_suite(version: str) -> Path:
    """Dramatiq's ``tests/`` of ``version`` from its sdist, with our conftest beside it."""
    suite = CACHE / version
    if not (suite / "tests" / "test_redis.py").exists():
        download = CACHE / "download"
        download.mkdir(parents=True, exist_ok=True)
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        fetched = subprocess.run(
            [*pip, "-d", str(download), f"dramatiq=={version}"],
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
        )
        require(fetched.returncode == 0, f"dramatiq {version} sdist ({fetched.stderr[-300:]})")
        shutil.rmtree(suite, ignore_errors=True)
        prefix = f"dramatiq-{version}/tests/"
        with tarfile.open(download / f"dramatiq-{version}.tar.gz") as sdist:
            members = [m for m in sdist.getmembers() if m.name.startswith(prefix)]
            for member in members:
                member.name = member.name.removeprefix(f"dramatiq-{version}/")
            # Only their tests: the installed dramatiq, not the sdist's copy, is what we test.
            sdist.extractall(suite, members=members, filter="data")
    tests = suite / "tests"
    (tests / "__init__.py").write_text("")
    shutil.copyfile(CONFTEST, tests / "conftest.py")
    (tests / "common.py").write_text("from .conftest import worker\n\n__all__ = ['worker']\n")
    (suite / "pytest.ini").write_text("[pytest]\naddopts =\ntimeout = 120\n")
    return suite


def run_suite(suite: Path) -> dict[str, str]:
    """Run their ``test_redis.py``; each test's outcome (passed, failed, error, skipped)."""
    report = suite / "report.xml"
    env = {**os.environ, "DRAMATIQ_CONTRACT_REDIS_URL": REDIS_BASE}
    options = ["-c", str(suite / "pytest.ini"), "--rootdir", str(suite), "-p", "no:cacheprovider"]
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", *options, f"--junitxml={report}", "tests/test_redis.py"],
        check=False,
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert report.exists(), completed.stdout[-3000:] + completed.stderr[-3000:]
    outcomes: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        kinds = {child.tag for child in case} & {"failure", "error", "skipped"}
        outcomes[case.attrib["name"]] = kinds.pop() if kinds else "passed"
    return outcomes


@pytest.mark.timeout(660)
def test_dramatiqs_redis_suite_passes_on_our_broker() -> None:
    """Every test of Dramatiq's pinned ``tests/test_redis.py`` passes on ``build_broker``, except
    exactly the tests of the features we remove on purpose (delays and Dramatiq's retries)."""
    require(redis_available(), "Redis")
    version = pinned_version()
    assert importlib.metadata.version("dramatiq") == version

    outcomes = run_suite(fetch_suite(version))

    assert len(outcomes) == EXPECTED_TESTS, outcomes
    unexpected = {n: o for n, o in outcomes.items() if (o == "passed") == (n in REMOVED_FEATURES)}
    assert unexpected == {}, "outcomes differ from the contract (passed / removed on purpose)"
