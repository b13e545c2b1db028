"""A database error logs the statement's kind, never its parameters or row (no emails)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from core.logging import configure_logging
from tests.api.conftest import Web
from tests.support.web_app import IDENTIFIER

EMAIL = "jane.private@acmecorp.com"


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """Every log record of the process, rendered as JSON into a buffer."""
    buffer = io.StringIO()
    configure_logging(level="INFO", json=True, stream=buffer)
    yield buffer
    logging.getLogger().handlers.clear()


def test_refused_insert_of_a_contact_create_logs_no_email(web: Web, log_text: io.StringIO) -> None:
    """The jobs table refuses every row: 500 internal_error; the logs name INSERT, not Jane."""
    # Given a database that refuses the job row (PostgreSQL's DETAIL would quote the whole row)
    with web.db.write() as conn:
        if web.db.is_sqlite:
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON jobs "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            conn.execute(text("ALTER TABLE jobs ADD CONSTRAINT refuse CHECK (false) NOT VALID"))
    # When a contact with an email is submitted
    body = {
        "identifier": IDENTIFIER,
        "tool_name": "hubspot_contact_create",
        "tool_input": {"email": EMAIL, "firstname": "Jane"},
    }
    response = web.client.post("/v1/jobs", json=body)
    # Then the answer and every log line say what failed, without the row
    assert response.status_code == 500, response.text
    assert response.json()["error"]["code"] == "internal_error"
    assert "INSERT" in response.json()["error"]["message"]
    logged = log_text.getvalue()
    assert '"event": "store.statement_failed"' in logged
    assert '"statement": "INSERT"' in logged
    assert EMAIL not in logged
    assert EMAIL not in response.text
