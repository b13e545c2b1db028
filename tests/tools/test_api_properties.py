"""Property-based tests of tool inputs through the HTTP API (``POST /v1/jobs``).

The app runs in this process (FastAPI's TestClient over ``create_app``) on a real SQLite database
and a real Redis, with one ACTIVE account holding every scope, so each example is a real
submission: the job row is written and the message enqueued. Properties: no valid input is
rejected, no invalid input is stored or enqueued, and no body at all makes the API answer 5xx.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from producer.api.app import create_app
from schemas.tools import TOOLS
from store.db import Database
from store.models import jobs
from tests.support.services import REDIS_BASE, redis_available, require
from tests.support.web_app import activate, web_settings
from tests.unit.tools.strategies import invalid_inputs, valid_inputs

pytestmark = pytest.mark.services

IDENTIFIER = "prop_user"
EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Api:
    client: TestClient
    db: Database
    redis: redis.Redis

    def submit(self, body: object) -> Any:
        """POST a body serialised as Python does (NaN and Infinity included, on purpose)."""
        return self.client.post(
            "/v1/jobs", content=json.dumps(body), headers={"content-type": "application/json"}
        )

    def stored(self) -> tuple[int, int]:
        """Job rows, and messages waiting in Redis."""
        with self.db.read() as conn:
            rows = int(conn.execute(select(func.count()).select_from(jobs)).scalar_one())
        messages = sum(int(self.redis.hlen(f"dramatiq:{q}.msgs")) for q in ("interactive", "bulk"))
        return rows, messages


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    require(redis_available(), "Redis")
    client_redis = redis.Redis.from_url(REDIS_BASE)
    client_redis.flushdb()
    path: Path = tmp_path_factory.mktemp("props") / "props.db"
    api_key = "hak_" + secrets.token_urlsafe(24)
    app_settings = web_settings(f"sqlite:///{path}", api_key)
    activate(app_settings, identifier=IDENTIFIER)
    db = Database(app_settings.database_url)
    app = create_app(app_settings)
    with TestClient(app, headers={"Authorization": f"Bearer {api_key}"}) as client:
        yield Api(client=client, db=db, redis=client_redis)
    db.dispose()
    client_redis.flushdb()


def _body(tool: str, tool_input: object) -> dict[str, object]:
    return {"identifier": IDENTIFIER, "tool_name": tool, "tool_input": tool_input}


#: The single-record tools; a batch tool's ``inputs`` are lists of these tools' inputs, drawn by
#: the batch tools' own property tests (``tests/unit/tools/test_batch_tools.py``).
SINGLE_TOOLS = [name for name, spec in TOOLS.items() if not spec.batch]


@st.composite
def valid_submissions(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    tool = draw(st.sampled_from(SINGLE_TOOLS))
    return tool, draw(valid_inputs(tool))


@st.composite
def invalid_submissions(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    tool = draw(st.sampled_from(SINGLE_TOOLS))
    return tool, draw(invalid_inputs(tool))


@EXAMPLES
@given(submission=valid_submissions())
def test_no_valid_input_is_rejected(api: Api, submission: tuple[str, dict[str, object]]) -> None:
    """Every input a tool accepts is accepted over HTTP: 202, a queued job, one more message."""
    tool, tool_input = submission
    rows, messages = api.stored()
    response = api.submit(_body(tool, tool_input))
    assert response.status_code == 202, response.text
    assert response.json()["job"]["status"] == "queued"
    assert api.stored() == (rows + 1, messages + 1)


@EXAMPLES
@given(submission=invalid_submissions())
def test_no_invalid_input_is_stored_or_enqueued(
    api: Api, submission: tuple[str, dict[str, object]]
) -> None:
    """Every input a tool refuses is a 422 invalid_tool_input naming a problem, and leaves no
    job row and no message behind."""
    tool, tool_input = submission
    before = api.stored()
    response = api.submit(_body(tool, tool_input))
    assert response.status_code == 422, (tool_input, response.text)
    error = response.json()["error"]
    assert error["code"] == "invalid_tool_input"
    assert error["message"]
    assert api.stored() == before


_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=20),
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_BODIES = st.one_of(
    _JSON,
    st.fixed_dictionaries(
        {
            "identifier": st.one_of(st.just(IDENTIFIER), st.text(max_size=300), _JSON),
            "tool_name": st.one_of(st.sampled_from(list(TOOLS)), st.text(max_size=30), _JSON),
            "tool_input": _JSON,
        },
        optional={
            "run_at": st.one_of(st.text(max_size=30), st.datetimes().map(str), _JSON),
            "lane": st.one_of(st.sampled_from(["bulk", "interactive", "BULK"]), _JSON),
            "idempotency_key": st.one_of(st.text(max_size=300), _JSON),
            "connection_name": st.one_of(st.just("hubspot"), st.text(max_size=10)),
            "extra": _JSON,
        },
    ),
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=_BODIES)
def test_the_api_never_answers_5xx(api: Api, body: object) -> None:
    """Whatever JSON arrives at POST /v1/jobs, the answer is 2xx or 4xx with an error code."""
    response = api.submit(body)
    assert response.status_code < 500, (body, response.text)
    if response.status_code >= 400:
        assert response.json()["error"]["code"]
