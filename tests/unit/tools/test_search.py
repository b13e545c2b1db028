"""The three search tools: body shape, paging and the limits HubSpot puts on a search."""

from __future__ import annotations

import pytest

from schemas.tools import HubSpotRequest
from tests.unit.tools.support import problems_for, request_for

SEARCHES = {
    "hubspot_contacts_search": "contacts",
    "hubspot_companies_search": "companies",
    "hubspot_deals_search": "deals",
}


@pytest.mark.parametrize(("tool", "object_type"), SEARCHES.items())
def test_empty_search_sends_only_the_page_size(tool: str, object_type: str) -> None:
    """A search without arguments asks for the first 10 records of its object type."""
    assert request_for(tool, {}) == HubSpotRequest(
        method="POST", path=f"/crm/v3/objects/{object_type}/search", json={"limit": 10}
    )


@pytest.mark.parametrize("tool", SEARCHES)
def test_search_with_every_argument(tool: str) -> None:
    """Query, filters, properties (as a list), limit and cursor all go into the body."""
    request = request_for(
        tool,
        {
            "query": "  acme ",
            "filterGroups": [
                {"filters": [{"propertyName": "createdate", "operator": "HAS_PROPERTY"}]}
            ],
            "properties": "name, domain",
            "limit": "200",
            "after": 400,
        },
    )
    assert request.json == {
        "query": "acme",
        "filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "HAS_PROPERTY"}]}],
        "properties": ["name", "domain"],
        "limit": 200,
        "after": "400",
    }
    assert request.params == {}


def test_blank_query_and_empty_lists_are_left_out() -> None:
    """Blank text and empty lists mean "not given" and are not sent."""
    request = request_for(
        "hubspot_contacts_search", {"query": " ", "filterGroups": [], "properties": ""}
    )
    assert request.json == {"limit": 10}


def test_query_of_3000_characters_is_accepted() -> None:
    """HubSpot's query limit is 3000 characters; exactly that many is fine."""
    assert request_for("hubspot_deals_search", {"query": "x" * 3000}).json == {
        "query": "x" * 3000,
        "limit": 10,
    }


@pytest.mark.parametrize(
    ("raw", "field", "problem"),
    [
        ({"query": "x" * 3001}, "query", "must be at most 3000 characters"),
        ({"query": 12}, "query", "must be a string, got number"),
        ({"limit": 201}, "limit", "must be <= 200"),
        ({"limit": -1}, "limit", "must be >= 1"),
        ({"after": "NTI1Cg=="}, "after", "is not a search cursor"),
        ({"after": 1.5}, "after", "must be a paging cursor string"),
        ({"properties": 7}, "properties", "must be a list of names or a comma-separated string"),
        ({"sorts": ["-createdate"]}, "sorts", "unknown field"),
    ],
)
@pytest.mark.parametrize("tool", SEARCHES)
def test_search_refusals(tool: str, raw: dict[str, object], field: str, problem: str) -> None:
    """Each search refuses over-long queries, out-of-range limits and bad cursors by name."""
    assert problem in problems_for(tool, raw)[field]
