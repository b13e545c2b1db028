"""Defensive parsing of error bodies and headers."""

from __future__ import annotations

import json
from email.utils import formatdate

import httpx
import pytest

from hubspot_client.parsing import (
    ErrorBody,
    make_redactor,
    parse_error_body,
    parse_rate_limit,
    parse_retry_after,
)
from hubspot_client.responses import RateLimitInfo
from tests.unit.hubspot.helpers import NOW

KEEP = make_redactor([])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("10", 10.0),
        (" 2.5 ", 2.5),
        (None, None),
        ("", None),
        ("-3", None),
        ("soon", None),
        ("inf", None),
        (formatdate(NOW + 90, usegmt=True), 90.0),
        (formatdate(NOW - 90, usegmt=True), 0.0),
        ("Thu, 01 Jan 2026 00:01:00 -0000", 60.0),
    ],
)
def test_retry_after(value: str | None, expected: float | None) -> None:
    """Delta-seconds and HTTP-dates (past ones clamp to 0) parse; anything else is None."""
    assert parse_retry_after(value, now=NOW) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"X-HubSpot-RateLimit-Max": "110"}, None),
        (
            {"X-HubSpot-RateLimit-Max": "110", "X-HubSpot-RateLimit-Remaining": "5"},
            RateLimitInfo(max=110, remaining=5, interval_ms=None),
        ),
        ({"X-HubSpot-RateLimit-Max": "lots", "X-HubSpot-RateLimit-Remaining": "5"}, None),
        (
            {
                "x-hubspot-ratelimit-max": "100",
                "x-hubspot-ratelimit-remaining": "99",
                "x-hubspot-ratelimit-interval-milliseconds": "10000",
            },
            RateLimitInfo(max=100, remaining=99, interval_ms=10000),
        ),
    ],
)
def test_rate_limit_headers(headers: dict[str, str], expected: RateLimitInfo | None) -> None:
    """Max and Remaining are both needed; headers are case-insensitive; junk is ignored."""
    assert parse_rate_limit(httpx.Headers(headers)) == expected


@pytest.mark.parametrize(
    "content", [b"", b"<html/>", b"null", b"[1, 2]", b'"text"', b"\xff\xfe", b"{bad json"]
)
def test_non_object_bodies_give_an_empty_body(content: bytes) -> None:
    """Anything but a JSON object yields an empty ErrorBody instead of raising."""
    assert parse_error_body(content, redact=KEEP) == ErrorBody()


def test_wrong_types_are_ignored() -> None:
    """Fields of the wrong type become None or empty, never an exception."""
    content = json.dumps(
        {
            "message": 42,
            "category": ["VALIDATION_ERROR"],
            "correlationId": None,
            "context": "scopes",
            "errors": [
                None,
                "x",
                {"message": 1, "code": "C", "context": {"k": "v", "n": [1, "s"]}},
            ],
        }
    ).encode()
    body = parse_error_body(content, redact=KEEP)
    assert body.is_json is True
    assert (body.message, body.category, body.correlation_id) == (None, None, None)
    assert body.context == {}
    assert len(body.errors) == 1
    assert body.errors[0].message is None
    assert body.errors[0].code == "C"
    assert body.errors[0].context == {"k": ("v",), "n": ("s",)}
    assert body.first_error_code() == "C"


def test_context_values_are_collected_in_order_without_duplicates() -> None:
    """Scope lists are merged across the body's and the details' contexts."""
    content = json.dumps(
        {
            "context": {"requiredScopes": ["a", "b"]},
            "errors": [{"context": {"requiredGranularScopes": ["b", "c"]}}],
        }
    ).encode()
    body = parse_error_body(content, redact=KEEP)
    assert body.context_values("requiredGranularScopes", "requiredScopes") == ("a", "b", "c")


def test_redactor_replaces_raw_and_percent_encoded_secrets() -> None:
    """Both spellings of a secret are replaced; empty secrets are ignored."""
    redact = make_redactor(["a/b", ""])
    assert redact("x a/b y a%2Fb z") == "x [redacted] y [redacted] z"
