"""``ProcessWriteLock``: SQLite writers of different processes take turns on a file lock."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from store.errors import StoreUnavailable
from store.write_lock import ProcessWriteLock


def test_a_second_holder_waits_and_gives_up_after_the_timeout(tmp_path: Path) -> None:
    """Two descriptors of one file behave like two processes: the second cannot take the lock
    while the first holds it (and says so as an outage), and takes it once it is released."""
    path = str(tmp_path / "db.sqlite.writelock")
    first = ProcessWriteLock(path, timeout_s=5)
    second = ProcessWriteLock(path, timeout_s=0.05)
    with first.held():
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="write lock"), second.held():
            pass  # pragma: no cover - never reached
        assert time.monotonic() - started >= 0.05
    with second.held():
        pass


def _hold(path: str, seconds: float, ready: multiprocessing.synchronize.Event) -> None:
    with ProcessWriteLock(path, timeout_s=5).held():
        ready.set()
        time.sleep(seconds)


def test_another_process_is_waited_for_and_handed_the_lock_promptly(tmp_path: Path) -> None:
    path = str(tmp_path / "db.sqlite.writelock")
    ready = multiprocessing.get_context("spawn").Event()
    holder = multiprocessing.get_context("spawn").Process(target=_hold, args=(path, 0.3, ready))
    holder.start()
    assert ready.wait(30)
    started = time.monotonic()
    with ProcessWriteLock(path, timeout_s=10).held():
        waited = time.monotonic() - started
    holder.join(10)
    assert 0.1 <= waited < 5  # it waited for the holder, then got the lock
