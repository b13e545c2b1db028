"""Secrets never reach a log line: structlog events and stdlib records alike."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from core.logging import configure_logging, get_logger
from core.redaction import REDACTED, redact_text

ACCESS = "CJSP5qf1KhICAQEYs-gDIIGOBii1hQIyGQAf3xBKmlwHjX7OIpuIFEavB2-qYAGQsF4"
REFRESH = "na1-aaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SECRET = "client-secret-7d1f0e"
API_KEY = "hak_3u9dkvN1lFvo8Jq2mW5sTzQhX0yRbC4p"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(level="DEBUG", json=True, component="test", stream=stream)
    yield stream
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_secret_fields_are_replaced(captured: io.StringIO) -> None:
    """Fields named like secrets are redacted whatever their value."""
    log = get_logger("t")
    log.info(
        "oauth.exchange",
        access_token=ACCESS,
        refresh_token=REFRESH,
        client_secret=SECRET,
        authorization=f"Bearer {ACCESS}",
        api_key=API_KEY,
        token_expires_at="2026-01-01T00:00:00Z",
    )
    text = captured.getvalue()
    for secret in (ACCESS, REFRESH, SECRET, API_KEY):
        assert secret not in text
    (line,) = _lines(captured)
    assert line["access_token"] == REDACTED
    assert line["token_expires_at"] == "2026-01-01T00:00:00Z"


def test_secrets_inside_text_and_nested_values(captured: io.StringIO) -> None:
    """Bearer headers, form bodies, refresh tokens and API keys are found inside strings."""
    log = get_logger("t")
    log.warning(
        "http.failed",
        detail=f"sent Authorization: Bearer {ACCESS} with body refresh_token={REFRESH}&x=1",
        headers={"Authorization": f"Bearer {ACCESS}", "X-Trace": "ok"},
        keys=[API_KEY],
        url="http://localhost/oauth/callback?code=abc123def&state=xyz789xyz",
    )
    text = captured.getvalue()
    for secret in (ACCESS, REFRESH, API_KEY, "abc123def", "xyz789xyz"):
        assert secret not in text
    assert "ok" in text


def test_stdlib_records_go_through_the_same_redaction(captured: io.StringIO) -> None:
    """A library logging a Bearer header through stdlib logging is redacted too."""
    logging.getLogger("httpx").warning("request headers: Authorization: Bearer %s", ACCESS)
    logging.getLogger("dramatiq").error("client_secret=%s refresh %s", SECRET, REFRESH)
    text = captured.getvalue()
    assert ACCESS not in text
    assert SECRET not in text
    assert REFRESH not in text
    assert all("level" in line for line in _lines(captured))


def test_exception_text_is_redacted(captured: io.StringIO) -> None:
    """A traceback quoting a token does not leak it."""
    log = get_logger("t")
    try:
        raise RuntimeError(f"boom with Bearer {ACCESS}")
    except RuntimeError:
        log.exception("job.crashed")
    assert ACCESS not in captured.getvalue()


def test_redact_text_leaves_ordinary_text_alone() -> None:
    """Ordinary messages pass unchanged."""
    text = "job job_01abc failed: account_revoked (HubSpot 400 BAD_REFRESH_TOKEN)"
    assert redact_text(text) == text
