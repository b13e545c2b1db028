"""SANDBOX_STATE over real HTTP: a sandbox restarted on the same file keeps its whole world."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import time
from pathlib import Path

import pytest

from sandbox.app import create_app
from sandbox.config import SandboxConfig
from sandbox.persistence import StateFileError, remove_state_file
from tests.support.sandbox_server import running_sandbox


def _config(path: Path) -> SandboxConfig:
    return SandboxConfig(state_path=path)


def test_restart_keeps_tokens_records_clock_and_ids(tmp_path: Path) -> None:
    """After a restart the access token works, the refresh token refreshes, the contact reads
    back, the clock offset holds and new ids continue after the old ones."""
    state = tmp_path / "sandbox.db"
    # Given a connected portal with one contact and a clock moved forward
    with running_sandbox(_config(state)) as first:
        connection = first.connect()
        first.control.advance_clock(120)
        created = first.http.post(
            "/crm/v3/objects/contacts",
            json={"properties": {"email": "ada@example.com", "firstname": "Ada"}},
            headers=connection.tokens.headers,
        )
        assert created.status_code == 201
        contact_id = created.json()["id"]
    # When a new sandbox starts on the same file
    with running_sandbox(_config(state)) as second:
        # Then the old access token still authenticates and the contact reads back
        read = second.http.get(
            f"/crm/v3/objects/contacts/{contact_id}", headers=connection.tokens.headers
        )
        assert read.status_code == 200, read.text
        assert read.json()["properties"]["email"] == "ada@example.com"
        clock = second.http.post("/_sandbox/clock", json={"advance_seconds": 0}).json()
        assert clock["offset_seconds"] == 120.0
        refreshed = second.refresh(connection.tokens.refresh_token)
        assert refreshed.hub_id == connection.hub_id
        again = second.http.post(
            "/crm/v3/objects/contacts",
            json={"properties": {"email": "bob@example.com"}},
            headers=refreshed.headers,
        )
        assert again.status_code == 201
        assert int(again.json()["id"]) == int(contact_id) + 1
        duplicate = second.http.post(
            "/crm/v3/objects/contacts",
            json={"properties": {"email": "ADA@example.com"}},
            headers=refreshed.headers,
        )
        assert duplicate.status_code == 409
        assert second.control.create_portal() == connection.hub_id + 1


def test_restart_keeps_a_pending_code_with_its_challenge(tmp_path: Path) -> None:
    """A code issued before the restart (with PKCE) is exchanged after it with its verifier."""
    state = tmp_path / "sandbox.db"
    verifier = "v" * 50
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    with running_sandbox(_config(state)) as first:
        first.control.register_app()
        hub_id = first.control.create_portal()
        url = first.control.consent(
            hub_id=hub_id, code_challenge=challenge, code_challenge_method="S256"
        )
    with running_sandbox(_config(state)) as second:
        tokens = second.exchange_code(url, code_verifier=verifier)
        assert tokens.hub_id == hub_id


def test_reset_clears_the_file(tmp_path: Path) -> None:
    """POST /_sandbox/reset also empties the state file: the next start finds nothing."""
    state = tmp_path / "sandbox.db"
    with running_sandbox(_config(state)) as first:
        connection = first.connect()
        created = first.http.post(
            "/crm/v3/objects/contacts",
            json={"properties": {"email": "gone@example.com"}},
            headers=connection.tokens.headers,
        )
        assert created.status_code == 201
        _wait_for_portals(state, expected_portals=1)
        first.control.reset()
    with running_sandbox(_config(state)) as second:
        response = second.http.get("/crm/v3/objects/contacts", headers=connection.tokens.headers)
        assert response.status_code == 401
        assert second.control.create_portal() == 20000001
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT count(*) FROM records").fetchone() == (0,)


def test_flush_happens_while_running(tmp_path: Path) -> None:
    """Changes reach the file within the flush interval, without waiting for shutdown."""
    state = tmp_path / "sandbox.db"
    with running_sandbox(_config(state)) as server:
        server.control.create_portal()
        server.control.create_portal()
        _wait_for_portals(state, expected_portals=2)


def _wait_for_portals(state: Path, *, expected_portals: int) -> None:
    """Poll the file (a separate connection, as another process would) for the portals."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with sqlite3.connect(state) as db:
            row = db.execute("SELECT data FROM sections WHERE name = 'registry'").fetchone()
        if row is not None and len(json.loads(row[0])["portals"]) == expected_portals:
            return
        time.sleep(0.05)
    raise AssertionError("the state file never showed the portals")


def test_text_file_is_refused_clearly(tmp_path: Path) -> None:
    """A file that is not SQLite is a StateFileError naming it, and is left as it was."""
    state = tmp_path / "notes.txt"
    state.write_text("not a database, just notes\n" * 100)
    with pytest.raises(StateFileError, match=r"notes\.txt is not a sandbox state file"):
        create_app(_config(state))
    assert state.read_text().startswith("not a database")


def test_foreign_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    """Another program's SQLite database is refused, and neither written into nor deleted."""
    state = tmp_path / "hubspot-actions.db"
    with sqlite3.connect(state) as db:
        db.execute("CREATE TABLE jobs (id INTEGER)")
    with pytest.raises(StateFileError, match="SQLite database but not a sandbox state file"):
        create_app(_config(state))
    with pytest.raises(StateFileError):
        remove_state_file(state)
    with sqlite3.connect(state) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master")]
    assert tables == ["jobs"]


@pytest.mark.parametrize(
    ("tampering", "refusal"),
    [
        pytest.param(
            "UPDATE meta SET value = '99' WHERE key = 'version'",
            "state schema 99, this one reads up to 1",
            id="newer-schema",
        ),
        pytest.param(
            "INSERT INTO sections VALUES ('registry', '{\"apps\": [{\"client_id\": 3}]}')",
            "unreadable sandbox state",
            id="garbled-section",
        ),
    ],
)
def test_a_state_file_it_cannot_read_is_refused(
    tmp_path: Path, tampering: str, refusal: str
) -> None:
    """A file from a newer sandbox is refused with the versions in the message; a section that
    does not decode is a StateFileError, not a traceback from deep inside."""
    state = tmp_path / "sandbox.db"
    create_app(_config(state)).close()
    with sqlite3.connect(state) as db:
        db.execute(tampering)
    with pytest.raises(StateFileError, match=refusal):
        create_app(_config(state))


def test_remove_state_file_deletes_the_file_and_its_wal(tmp_path: Path) -> None:
    """Resetting deletes the database and its WAL companions, and says which."""
    state = tmp_path / "sub" / "sandbox.db"
    app = create_app(_config(state))
    app.sandbox.registry.create_portal({})
    app.persistence.dirty = True  # type: ignore[union-attr]
    app.close()
    removed = remove_state_file(state)
    assert state in removed
    assert not state.exists()
    assert not list(state.parent.iterdir())
    assert remove_state_file(state) == []


def test_restart_keeps_custom_schema_associations_and_history(tmp_path: Path) -> None:
    """Custom properties, pipelines, both sides of an association and property history survive."""
    from tests.sandbox.conftest import SCHEMA_WRITE_SCOPES
    from tests.support.sandbox_server import ALL_SCOPES

    state = tmp_path / "sandbox.db"
    with running_sandbox(_config(state)) as first:
        connection = first.connect(scopes=ALL_SCOPES + SCHEMA_WRITE_SCOPES)
        headers = connection.tokens.headers
        prop = first.http.post(
            "/crm/v3/properties/contacts",
            json={
                "name": "tier",
                "label": "Tier",
                "type": "enumeration",
                "fieldType": "select",
                "groupName": "contactinformation",
                "options": [{"label": "Gold", "value": "gold", "displayOrder": 0}],
            },
            headers=headers,
        )
        assert prop.status_code == 201, prop.text
        pipeline = first.http.post(
            "/crm/v3/pipelines/deals",
            json={
                "label": "Partners",
                "displayOrder": 1,
                "stages": [
                    {"label": "Intro", "displayOrder": 0, "metadata": {"probability": "0.1"}}
                ],
            },
            headers=headers,
        )
        assert pipeline.status_code == 201, pipeline.text
        company = first.http.post(
            "/crm/v3/objects/companies", json={"properties": {"name": "Acme"}}, headers=headers
        ).json()["id"]
        contact = first.http.post(
            "/crm/v3/objects/contacts",
            json={
                "properties": {"email": "tier@example.com", "tier": "gold"},
                "associations": [
                    {
                        "to": {"id": company},
                        "types": [
                            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}
                        ],
                    }
                ],
            },
            headers=headers,
        )
        assert contact.status_code == 201, contact.text
        contact_id = contact.json()["id"]
        first.http.patch(
            f"/crm/v3/objects/contacts/{contact_id}",
            json={"properties": {"firstname": "Two"}},
            headers=headers,
        )
    with running_sandbox(_config(state)) as second:
        names = [
            p["name"]
            for p in second.http.get("/crm/v3/properties/contacts", headers=headers).json()[
                "results"
            ]
        ]
        assert "tier" in names
        labels = [
            p["label"]
            for p in second.http.get("/crm/v3/pipelines/deals", headers=headers).json()["results"]
        ]
        assert "Partners" in labels
        read_company = second.http.get(
            f"/crm/v3/objects/companies/{company}",
            params={"associations": "contacts"},
            headers=headers,
        ).json()
        linked = [r["id"] for r in read_company["associations"]["contacts"]["results"]]
        assert linked == [contact_id]
        history = second.http.get(
            f"/crm/v3/objects/contacts/{contact_id}",
            params={"propertiesWithHistory": "firstname"},
            headers=headers,
        ).json()["propertiesWithHistory"]["firstname"]
        assert history[0]["value"] == "Two"
