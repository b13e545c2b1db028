"""Delivery backoff bounds, and the job metadata limits (DESIGN s6, s14)."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from schemas.jobs import MAX_METADATA_BYTES, SubmitJob
from worker.webhooks.backoff import DeliveryBackoff


def test_backoff_doubles_with_jitter_and_caps() -> None:
    """Attempt n waits between half and all of base*2^(n-1), never more than the cap."""
    backoff = DeliveryBackoff(base_s=1.0, max_s=8.0, window_s=100.0)
    rng = random.Random(7)
    for attempts, step in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delay = backoff.delay(attempts, rng)
        assert step / 2 <= delay <= step


def test_backoff_gives_up_past_the_window() -> None:
    """A retry that would land after the window (24 h by default) is not made."""
    backoff = DeliveryBackoff()
    assert backoff.window_s == 86400.0
    assert backoff.gives_up(86000.0, 500.0) is True
    assert backoff.gives_up(86000.0, 300.0) is False


def _submit(metadata: object) -> SubmitJob:
    return SubmitJob.model_validate(
        {"identifier": "u1", "tool_name": "hubspot_contacts_list", "metadata": metadata}
    )


def test_metadata_up_to_4_kib_is_kept() -> None:
    """An object of exactly 4096 bytes serialised is accepted unchanged."""
    filler = "x" * (MAX_METADATA_BYTES - len('{"k":""}'))
    assert _submit({"k": filler}).metadata == {"k": filler}


@pytest.mark.parametrize(
    "metadata",
    [
        {"k": "x" * MAX_METADATA_BYTES},
        {"k": "é" * 2100},  # 4200 bytes in UTF-8, 2100 characters
        {"k": "a\x00b"},
        {"a\x00": 1},
        {"nested": [{"deep": "\x00"}]},
        ["not", "an", "object"],
        "text",
    ],
)
def test_metadata_over_the_limit_with_nul_or_not_an_object_is_refused(metadata: object) -> None:
    """Too large (in bytes, not characters), NUL anywhere, or not a JSON object: refused."""
    with pytest.raises(ValidationError):
        _submit(metadata)
