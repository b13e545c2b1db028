"""The console in headless Chromium, against the shared pipeline stack (real web, worker,
scheduler and sandbox processes); ``browser`` and ``page`` come from ``tests/browser``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tools_fixtures import clear_faults, stack

__all__ = ["clear_faults", "stack"]

#: Screenshots of every page, kept for a human to look at (gitignored).
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"console screenshots: {ARTIFACTS}")
    return ARTIFACTS
