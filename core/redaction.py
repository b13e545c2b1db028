"""Scrubbing secrets out of anything about to be logged or shown.

Two nets, because either alone leaks: keys that name a secret (``access_token=...`` as a log
field, an ``Authorization`` header in a dict) have their value replaced whatever it looks like,
and every string is scanned for shapes that are secrets wherever they appear (a Bearer header in
an exception message, ``refresh_token=`` in a form body, a HubSpot refresh token, one of our API
keys, an OAuth ``code`` or ``state`` in a logged callback URL).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from structlog.types import EventDict

REDACTED = "[REDACTED]"

#: A field whose name matches is replaced whole.
SECRET_KEY_RE = re.compile(
    r"(^|[_\-.])(access_token|refresh_token|token|id_token|secret|client_secret|password|passwd|"
    r"authorization|api_key|apikey|x_api_key|cookie|set_cookie|code_verifier|"
    r"token_encryption_keys|bootstrap_api_key|ciphertext)$|secret",
    re.IGNORECASE,
)

_VALUE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization headers and "Bearer xyz" wherever they appear.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{6,}"), r"\1 " + REDACTED),
    # Query strings and form bodies: an OAuth code or state is as good as a credential.
    (
        re.compile(
            r"(?i)([?&](?:access_token|refresh_token|client_secret|token|code|state|api_key)=)"
            r"[^&\s'\"]+"
        ),
        r"\1" + REDACTED,
    ),
    # key=value and "key": "value" pairs in reprs and serialised dicts.
    (
        re.compile(
            r"(?i)\b(access_token|refresh_token|client_secret|api_key|password|secret)"
            r"(['\"]?\s*[=:]\s*['\"]?)([^&\s'\",}]{4,})"
        ),
        r"\1\2" + REDACTED,
    ),
    # HubSpot refresh tokens: hublet prefix then uuid-shaped groups (na1-xxxx-...).
    (
        re.compile(
            r"\b[a-z]{2,3}\d-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
        ),
        REDACTED,
    ),
    # Our own API keys.
    (re.compile(r"\bhak_[A-Za-z0-9_\-]{16,}"), REDACTED),
)


def redact_text(text: str) -> str:
    """Replace every secret-shaped substring of ``text``."""
    for pattern, replacement in _VALUE_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(value: Any, *, depth: int = 0) -> Any:
    """Redact a value of any JSON-ish shape (strings scanned, containers walked)."""
    if depth > 8:
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if _is_secret_key(k) else redact_value(v, depth=depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v, depth=depth + 1) for v in value)
    if isinstance(value, bytes):
        return REDACTED
    return value


def _is_secret_key(key: object) -> bool:
    return isinstance(key, str) and bool(SECRET_KEY_RE.search(key))


def redact_event(logger: Any, method: str, event: EventDict) -> EventDict:
    """structlog processor: the last line of defence before rendering."""
    for key in list(event.keys()):
        value = event[key]
        if _is_secret_key(key):
            event[key] = REDACTED
        elif isinstance(value, str | Mapping | list | tuple | bytes):
            event[key] = redact_value(value)
        elif isinstance(value, BaseException):
            event[key] = redact_text(repr(value))
    return event
