"""schemathesis against ``/openapi.json``: no generated request, valid or not, is answered 5xx,
and every answer conforms to the document (status, content type, body schema, headers).

The app runs on a real uvicorn (SQLite, real Redis) and is called with a real API key. Each
operation gets positive cases (conforming to the schema) and negative ones (violating it); the
total is asserted so the run cannot silently shrink.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from producer.api.app import create_app
from tests.api.served import serve
from tests.support.services import redis_available, require
from tests.support.web_app import activate, web_settings

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(300)]

#: Cases per operation and generation mode (operations with few inputs exhaust theirs sooner:
#: about 2,500 in all over 22 operations, a few minutes on the shared 2-core machine).
MAX_EXAMPLES = 80
#: The run must generate at least this many cases in total.
MIN_CASES = 2000
#: Operations whose valid input the schema cannot fully state, so a schema-valid request may
#: rightly be a 422: submissions (which ``tool_input`` a tool accepts is in ``GET /v1/tools``)
#: links (``return_url`` must be on the operator's OAUTH_RETURN_URL_ALLOWLIST) and the OAuth
#: callback (valid only with a ``state`` a link minted, and HubSpot's code), webhooks (the URL
#: must be http(s) and, in production, resolve to a public address) and MCP sessions (the
#: ``tool_names`` must be catalog names). Only ``positive_data_acceptance`` is off for them;
#: every check runs on every other operation.
BEYOND_SCHEMA = {
    "POST /v1/jobs",
    "POST /v1/jobs/batch",
    "POST /v1/authorization-links",
    "GET /oauth/callback",
    "POST /v1/webhooks",
    "POST /v1/mcp-sessions",
}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, API key) of the app on uvicorn."""
    require(redis_available(), "Redis")
    key = "hak_" + secrets.token_urlsafe(24)
    settings_ = web_settings(f"sqlite:///{tmp_path / 'fuzz.db'}", key)
    activate(settings_)
    with serve(create_app(settings_)) as base_url:
        yield base_url, key


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str], seen: list[str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode), _=st.just(None))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any, _: None) -> None:
        seen.append(operation.label)
        excluded = [positive_data_acceptance] if operation.label in BEYOND_SCHEMA else []
        response = case.call_and_validate(headers=headers, excluded_checks=excluded)
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)

    try:
        check()
    except Unsatisfiable:
        # An operation without inputs (``/healthz``) has nothing a negative case could violate.
        if mode is not GenerationMode.NEGATIVE:
            raise


def test_no_generated_request_gets_a_server_error(served: tuple[str, str]) -> None:
    """>= 2,000 generated requests over every operation: no 5xx, every answer as documented."""
    base_url, key = served
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    headers = {"Authorization": f"Bearer {key}"}
    seen: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) == 22
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, headers, seen)
    counts = Counter(seen)
    assert len(seen) >= MIN_CASES, counts
    assert len(set(seen)) == len(operations)  # every operation was exercised
