"""CRM search: query words and prefixes, every filter operator, sorting, paging and limits."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.conftest import Crm


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["results"]]


@pytest.fixture
def people(crm: Crm) -> dict[str, str]:
    """Three contacts, created in this order."""
    rows: list[tuple[str, dict[str, Any]]] = [
        (
            "jane",
            {
                "email": "jane@acmecorp.com",
                "firstname": "Jane",
                "lastname": "Smith",
                "company": "Acme Corp",
                "lifecyclestage": "lead",
            },
        ),
        (
            "bob",
            {
                "email": "bob@globex.io",
                "firstname": "Bob",
                "company": "Globex",
                "lifecyclestage": "customer",
                "phone": "+1 (555) 010-2000",
            },
        ),
        ("ann", {"email": "ann@acmecorp.com", "firstname": "Ann", "jobtitle": "VP"}),
    ]
    return {key: crm.create("contacts", **props)["id"] for key, props in rows}


@pytest.fixture
def deals(crm: Crm) -> dict[str, str]:
    """Four deals with amounts, stages and close dates."""
    rows: list[tuple[str, dict[str, Any]]] = [
        (
            "small",
            {
                "dealname": "Small one",
                "amount": 900,
                "dealstage": "qualifiedtobuy",
                "closedate": "2026-01-15",
            },
        ),
        (
            "big",
            {
                "dealname": "Acme Corp — Enterprise 2026",
                "amount": 75000,
                "dealstage": "presentationscheduled",
                "closedate": "2026-06-30",
                "hs_priority": "high",
            },
        ),
        (
            "mid",
            {
                "dealname": "Mid",
                "amount": "50000",
                "dealstage": "presentationscheduled",
                "closedate": "2026-03-01",
            },
        ),
        ("none", {"dealname": "No amount", "dealstage": "closedlost"}),
    ]
    return {key: crm.create("deals", **props)["id"] for key, props in rows}


def test_query_matches_words_and_prefixes(crm: Crm, people: dict[str, str]) -> None:
    """``query`` matches words and word prefixes of searchable properties, case-insensitively."""
    assert _ids(crm.search("contacts", query="acme corp")) == [people["jane"]]
    assert _ids(crm.search("contacts", query="JAN")) == [people["jane"]]
    assert _ids(crm.search("contacts", query="glob")) == [people["bob"]]
    assert _ids(crm.search("contacts", query="smith")) == [people["jane"]]
    assert _ids(crm.search("contacts", query="VP")) == []  # jobtitle is not searchable


def test_query_matches_email_parts(crm: Crm, people: dict[str, str]) -> None:
    """An email's local part and domain count as words."""
    assert _ids(crm.search("contacts", query="acmecorp.com")) == [people["jane"], people["ann"]]
    assert _ids(crm.search("contacts", query="ann")) == [people["ann"]]
    assert _ids(crm.search("contacts", query="jane@acmecorp.com")) == [people["jane"]]
    assert _ids(crm.search("contacts", query="555")) == [people["bob"]]


def test_objects_are_searchable_at_once(crm: Crm) -> None:
    """A record is found by the very next search after its creation."""
    created = crm.create("companies", name="Initech", domain="initech.com")
    assert _ids(crm.search("companies", query="initech")) == [created["id"]]


def _filter(crm: Crm, object_type: str, **spec: Any) -> list[str]:
    return _ids(crm.search(object_type, filterGroups=[{"filters": [spec]}], limit=100))


def test_equality_operators(crm: Crm, people: dict[str, str], deals: dict[str, str]) -> None:
    """EQ/NEQ: strings case-insensitive, enumerations exact, missing values only NEQ."""
    assert _filter(
        crm, "contacts", propertyName="email", operator="EQ", value="JANE@acmecorp.com"
    ) == [people["jane"]]
    assert (
        _filter(crm, "contacts", propertyName="lifecyclestage", operator="EQ", value="LEAD") == []
    )
    assert _filter(
        crm, "contacts", propertyName="lifecyclestage", operator="NEQ", value="lead"
    ) == [people["bob"], people["ann"]]
    assert _filter(crm, "deals", propertyName="amount", operator="EQ", value="75000.00") == [
        deals["big"]
    ]


def test_numeric_comparisons(crm: Crm, deals: dict[str, str]) -> None:
    """LT/LTE/GT/GTE/BETWEEN compare numbers numerically, not as text."""
    assert _filter(crm, "deals", propertyName="amount", operator="GT", value="50000") == [
        deals["big"]
    ]
    assert _filter(crm, "deals", propertyName="amount", operator="GTE", value="50000") == [
        deals["big"],
        deals["mid"],
    ]
    assert _filter(crm, "deals", propertyName="amount", operator="LT", value="1000") == [
        deals["small"]
    ]
    assert _filter(crm, "deals", propertyName="amount", operator="LTE", value="900") == [
        deals["small"]
    ]
    assert _filter(
        crm, "deals", propertyName="amount", operator="BETWEEN", value="800", highValue="50000"
    ) == [deals["small"], deals["mid"]]


def test_date_comparisons(crm: Crm, deals: dict[str, str]) -> None:
    """Datetime filters accept dates, ISO datetimes and epoch milliseconds."""
    assert _filter(crm, "deals", propertyName="closedate", operator="GTE", value="2026-03-01") == [
        deals["big"],
        deals["mid"],
    ]
    assert (
        _filter(crm, "deals", propertyName="closedate", operator="LT", value="1767225600000") == []
    )  # 2026-01-01
    assert _filter(
        crm,
        "deals",
        propertyName="closedate",
        operator="BETWEEN",
        value="2026-01-01T00:00:00Z",
        highValue="2026-02-01",
    ) == [deals["small"]]


def test_set_and_presence_operators(
    crm: Crm, people: dict[str, str], deals: dict[str, str]
) -> None:
    """IN/NOT_IN take ``values``; HAS_PROPERTY/NOT_HAS_PROPERTY test presence."""
    assert _filter(
        crm, "contacts", propertyName="firstname", operator="IN", values=["jane", "bob"]
    ) == [people["jane"], people["bob"]]
    assert (
        _filter(crm, "contacts", propertyName="firstname", operator="IN", values=["Jane"]) == []
    )  # string IN wants lowercase values
    assert _filter(
        crm, "deals", propertyName="dealstage", operator="NOT_IN", values=["presentationscheduled"]
    ) == [deals["small"], deals["none"]]
    assert _filter(crm, "deals", propertyName="amount", operator="NOT_HAS_PROPERTY") == [
        deals["none"]
    ]
    assert _filter(crm, "contacts", propertyName="jobtitle", operator="HAS_PROPERTY") == [
        people["ann"]
    ]


def test_token_operators(crm: Crm, people: dict[str, str]) -> None:
    """CONTAINS_TOKEN matches whole words and ``*`` wildcards; NOT_CONTAINS_TOKEN negates."""
    assert _filter(
        crm, "contacts", propertyName="email", operator="CONTAINS_TOKEN", value="*@acmecorp.com"
    ) == [people["jane"], people["ann"]]
    assert _filter(
        crm, "contacts", propertyName="company", operator="CONTAINS_TOKEN", value="corp"
    ) == [people["jane"]]
    assert (
        _filter(crm, "contacts", propertyName="company", operator="CONTAINS_TOKEN", value="cor")
        == []
    )
    assert _filter(
        crm, "contacts", propertyName="email", operator="NOT_CONTAINS_TOKEN", value="*@acmecorp.com"
    ) == [people["bob"]]


def test_groups_are_ored_and_filters_anded(crm: Crm, deals: dict[str, str]) -> None:
    """Filters in a group are ANDed; groups are ORed (DESIGN's deals search example)."""
    both = [
        {
            "filters": [
                {"propertyName": "dealstage", "operator": "EQ", "value": "presentationscheduled"},
                {"propertyName": "amount", "operator": "GT", "value": "50000"},
            ]
        }
    ]
    assert _ids(crm.search("deals", filterGroups=both)) == [deals["big"]]
    either = [
        {"filters": [{"propertyName": "amount", "operator": "LT", "value": "1000"}]},
        {"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedlost"}]},
    ]
    assert _ids(crm.search("deals", filterGroups=either)) == [deals["small"], deals["none"]]


def test_sorting_string_and_object_forms(crm: Crm, deals: dict[str, str]) -> None:
    """One sort, as ``"-amount"`` or ``{propertyName, direction}``; unset values go last."""
    descending = _ids(crm.search("deals", sorts=["-amount"]))
    assert descending == [deals["big"], deals["mid"], deals["small"], deals["none"]]
    ascending = _ids(
        crm.search("deals", sorts=[{"propertyName": "amount", "direction": "ASCENDING"}])
    )
    assert ascending == [deals["small"], deals["mid"], deals["big"], deals["none"]]
    newest = _ids(crm.search("deals", sorts=["-createdate"]))
    assert newest[-1] == deals["small"]
    assert _ids(crm.search("deals")) == list(deals.values())  # default: oldest first
    assert crm.search("deals", sorts=["amount", "dealname"]).status_code == 400


def test_properties_total_and_paging(crm: Crm) -> None:
    """``properties`` picks the fields; ``total`` counts all; ``after`` pages by offset."""
    ids = [crm.create("companies", name=f"Co {i}", city="Paris")["id"] for i in range(5)]
    first = crm.search("companies", query="co", properties=["city"], limit=2).json()
    assert first["total"] == 5
    assert first["results"][0]["properties"]["city"] == "Paris"
    assert "name" not in first["results"][0]["properties"]
    assert first["paging"]["next"]["after"] == "2"
    last = crm.search("companies", query="co", limit=2, after="4").json()
    assert [r["id"] for r in last["results"]] == ids[4:]
    assert "paging" not in last
    default_props = last["results"][0]["properties"]
    assert set(default_props) == {
        "createdate",
        "domain",
        "hs_lastmodifieddate",
        "hs_object_id",
        "name",
    }


def test_archived_records_never_appear(crm: Crm, people: dict[str, str]) -> None:
    """Archived records are not searchable."""
    crm.call("DELETE", f"/crm/v3/objects/contacts/{people['jane']}")
    assert _ids(crm.search("contacts", query="jane")) == []


def _groups(groups: int, per_group: int) -> list[dict[str, Any]]:
    spec = {"propertyName": "email", "operator": "HAS_PROPERTY"}
    return [{"filters": [spec] * per_group} for _ in range(groups)]


@pytest.mark.parametrize(
    "body",
    [
        {"filterGroups": _groups(6, 1)},
        {"filterGroups": _groups(1, 7)},
        {"filterGroups": _groups(4, 5)},  # 20 filters > 18
        {"limit": 201},
        {"after": "10000"},
        {"after": "abc"},
        {"query": "x" * 3001},
        {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "LIKE"}]}]},
    ],
)
def test_search_limits_are_validation_errors(crm: Crm, body: dict[str, Any]) -> None:
    """Too many groups or filters, limit > 200, paging past 10,000, long queries: 400."""
    response = crm.search("contacts", **body)
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_search_limits_at_the_edge_are_fine(crm: Crm) -> None:
    """5 groups of 3, 6 filters in one group, limit 200 and a 3,000-char query are accepted."""
    assert crm.search("contacts", filterGroups=_groups(5, 3)).status_code == 200
    assert crm.search("contacts", filterGroups=_groups(3, 6)).status_code == 200
    assert crm.search("contacts", limit=200, query="x" * 3000).status_code == 200
