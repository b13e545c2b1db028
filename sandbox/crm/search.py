"""``POST /crm/v3/objects/{type}/search`` with HubSpot's limits (facts 3 and 4.6).

Up to 5 filter groups of up to 6 filters, 18 filters in all; one sort (``"-createdate"`` or
``{"propertyName", "direction"}``); ``limit`` up to 200 (10 by default); ``after`` an integer
offset; results capped at 10,000 per query; ``query`` up to 3,000 characters. Breaking a limit is
400 VALIDATION_ERROR (exact wording UNCONFIRMED). Archived records never appear; without a sort,
results come oldest first. Like HubSpot's index, search sees a write only once the sandbox's
``search_index_delay_ms`` has passed on its clock (at once by default; ``Record.search_view``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sandbox.crm.common import json_object, listed_properties
from sandbox.crm.filters import Catalog, Predicate, filter_predicate, key_for, query_predicate
from sandbox.crm.records import ObjectStore, Record, render
from sandbox.errors import validation_error
from sandbox.http import Request, Response, json_response

if TYPE_CHECKING:
    from sandbox.state import Sandbox

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_LIMIT = 200
DEFAULT_LIMIT = 10
MAX_RESULTS = 10_000
MAX_QUERY_LENGTH = 3000


@dataclass(frozen=True, slots=True)
class Sort:
    """The one sort rule a search may have."""

    name: str
    descending: bool


def search(sandbox: Sandbox, request: Request, object_type: str) -> Response:
    """Filter, sort and page one type's live records."""
    body = json_object(request)
    limit, after = _paging(body)
    catalog = sandbox.schema(request.hub_id).catalog(object_type)
    predicates = _predicates(object_type, catalog, body)
    sort = _sort(body.get("sorts"))
    requested = listed_properties(body.get("properties"))
    store = sandbox.store(request.hub_id, object_type)
    indexed = _indexed(store, sandbox.clock.now_ms())
    found = [r for r in indexed if all(p(r) for p in predicates)]
    if sort is not None:
        found = _sorted(catalog, found, sort)
    end = min(after + limit, MAX_RESULTS)
    page = found[after:end]
    result: dict[str, Any] = {
        "total": len(found),
        "results": [render(r, object_type, requested, catalog=catalog) for r in page],
    }
    if end < min(len(found), MAX_RESULTS):
        result["paging"] = {"next": {"after": str(end), "link": f"?after={end}"}}
    return json_response(200, result)


def _indexed(store: ObjectStore, now_ms: int) -> Iterator[Record]:
    """Live records as the search index has them now (lagging ones as of their last due write)."""
    for record in store.live():
        view = record.search_view(now_ms)
        if view is record.values:
            yield record
        elif view is not None:
            yield replace(record, values=view)


def _paging(body: dict[str, Any]) -> tuple[int, int]:
    limit = _integer(body.get("limit", DEFAULT_LIMIT), "limit")
    if not 0 <= limit <= MAX_LIMIT:
        raise validation_error(f"limit must be between 0 and {MAX_LIMIT}, got {limit}")
    after = _integer(body.get("after") or 0, "after")
    if after < 0:
        raise validation_error(f"after must not be negative, got {after}")
    if after >= MAX_RESULTS:
        raise validation_error(
            f"Search results are limited to {MAX_RESULTS} records; paging past them is not allowed"
        )
    return limit, after


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise validation_error(f"{name} must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise validation_error(f"{name} must be an integer, got {value!r}") from None


def _predicates(object_type: str, catalog: Catalog, body: dict[str, Any]) -> list[Predicate]:
    predicates: list[Predicate] = []
    query = body.get("query")
    if query is not None:
        if not isinstance(query, str):
            raise validation_error("query must be a string")
        if len(query) > MAX_QUERY_LENGTH:
            raise validation_error(
                f"query must be at most {MAX_QUERY_LENGTH} characters, got {len(query)}"
            )
        matcher = query_predicate(object_type, query)
        if matcher is not None:
            predicates.append(matcher)
    groups = _groups(catalog, body.get("filterGroups") or [])
    if groups:
        predicates.append(lambda r: any(all(f(r) for f in group) for group in groups))
    return predicates


def _groups(catalog: Catalog, raw: Any) -> list[list[Predicate]]:
    if not isinstance(raw, list):
        raise validation_error("filterGroups must be a list")
    if len(raw) > MAX_GROUPS:
        raise validation_error(f"Too many filter groups: {len(raw)} (at most {MAX_GROUPS})")
    groups: list[list[Predicate]] = []
    total = 0
    for group in raw:
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list):
            raise validation_error("Each filter group needs a list of filters")
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise validation_error(
                f"Too many filters in a group: {len(filters)} (at most {MAX_FILTERS_PER_GROUP})"
            )
        total += len(filters)
        groups.append([filter_predicate(catalog, spec) for spec in filters])
    if total > MAX_FILTERS:
        raise validation_error(f"Too many filters: {total} (at most {MAX_FILTERS} in all groups)")
    return groups


def _sort(raw: Any) -> Sort | None:
    if not raw:
        return None
    if not isinstance(raw, list) or len(raw) > 1:
        raise validation_error("Only one sort is allowed")
    rule = raw[0]
    if isinstance(rule, str):
        return Sort(rule.lstrip("-"), rule.startswith("-"))
    if isinstance(rule, dict) and isinstance(rule.get("propertyName"), str):
        direction = str(rule.get("direction", "ASCENDING")).upper()
        return Sort(rule["propertyName"], direction == "DESCENDING")
    raise validation_error("Invalid sort: use a property name or {propertyName, direction}")


def _sorted(catalog: Catalog, records: list[Record], sort: Sort) -> list[Record]:
    """Sorted by the property (ties by creation); records without a value always come last."""
    key = key_for(catalog, sort.name)
    with_value: list[tuple[Any, Record]] = []
    without: list[Record] = []
    for record in records:
        raw = record.values.get(sort.name)
        value = key(raw) if raw is not None else None
        if value is None:
            without.append(record)
        else:
            with_value.append((value, record))
    with_value.sort(key=lambda pair: (pair[0], pair[1].id), reverse=sort.descending)
    return [record for _, record in with_value] + without
