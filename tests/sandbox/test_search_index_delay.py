"""``search_index_delay_ms``: search sees a write only after the delay on the sandbox clock."""

from __future__ import annotations

from sandbox.config import SandboxConfig
from tests.sandbox.conftest import Crm
from tests.support.sandbox_server import running_sandbox

DELAY_MS = 2000


def _emails(crm: Crm, **body: object) -> list[str]:
    response = crm.search("contacts", properties=["email", "firstname"], **body)
    assert response.status_code == 200
    return [r["properties"]["email"] for r in response.json()["results"]]


def test_search_lags_writes_until_the_delay_has_passed() -> None:
    """A new record is missing from search until the delay passes; an update shows then too,
    while reads by id see every write at once."""
    with running_sandbox(SandboxConfig(search_index_delay_ms=DELAY_MS)) as server:
        crm = Crm(server, server.connect().tokens)
        server.control.set_limits(burst_per_10s=0, search_per_second=0)
        # Given a contact created just now
        contact = crm.create("contacts", email="late@x.io", firstname="Old")
        # Then search misses it, but a read by id finds it
        assert _emails(crm, query="late") == []
        path = f"/crm/v3/objects/contacts/{contact['id']}"
        assert crm.call("GET", path).status_code == 200
        # When the clock passes the delay, search finds it
        server.control.advance_clock(DELAY_MS / 1000)
        assert _emails(crm, query="late") == ["late@x.io"]
        # An update is searchable by its new value only after the delay
        crm.call("PATCH", path, json={"properties": {"firstname": "New"}})
        by_new = [{"filters": [{"propertyName": "firstname", "value": "New"}]}]
        assert _emails(crm, filterGroups=by_new) == []
        found_old = crm.search("contacts", query="late", properties=["firstname"]).json()
        assert found_old["results"][0]["properties"]["firstname"] == "Old"
        read = crm.call("GET", path, params={"properties": "firstname"}).json()
        assert read["properties"]["firstname"] == "New"
        server.control.advance_clock(DELAY_MS / 1000)
        assert _emails(crm, filterGroups=by_new) == ["late@x.io"]


def test_no_delay_by_default(crm: Crm) -> None:
    """With the default delay of 0, a record is searchable as soon as it is created."""
    crm.create("contacts", email="now@x.io")
    assert _emails(crm, query="now") == ["now@x.io"]
