"""The refresher harness per test (SQLite file, fakeredis, scripted token endpoint)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.refresh.harness import Harness, build_harness


@pytest.fixture
def h(tmp_path: Path) -> Iterator[Harness]:
    harness = build_harness(tmp_path)
    yield harness
    harness.db.dispose()
