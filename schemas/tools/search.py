"""Search: ``POST /crm/v3/objects/{type}/search``, the same input for the three object types.

Filter values on the type's enumeration properties are matched like the enumeration fields of
the create tools (``hs_priority EQ "HIGH"`` -> ``high``): HubSpot compares enumerations
case-sensitively, so a search for the agent's spelling would quietly find nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator

from schemas.tools.base import ToolInput
from schemas.tools.enums import normalise_option
from schemas.tools.fields import DEFAULT_LIMIT, PropertyNames, SearchCursor, SearchLimit
from schemas.tools.filters import (
    MAX_FILTERS,
    MAX_FILTERS_PER_GROUP,
    MAX_GROUPS,
    Filter,
    FilterGroup,
    FilterGroups,
)
from schemas.tools.request import HubSpotRequest, ObjectType, objects_path
from schemas.tools.values import fail, optional_text

#: HubSpot refuses longer queries with a 400.
MAX_QUERY_LENGTH = 3000


def _query(value: object) -> str | None:
    text = optional_text(value)
    if text is not None and len(text) > MAX_QUERY_LENGTH:
        fail("query_too_long", f"must be at most {MAX_QUERY_LENGTH} characters, got {len(text)}")
    return text


Query = Annotated[
    str | None,
    BeforeValidator(_query),
    WithJsonSchema({"type": "string", "maxLength": MAX_QUERY_LENGTH}),
]

_FILTER_GROUPS_HELP = (
    "Filter groups, as a list or a JSON string of one: "
    '[{"filters": [{"propertyName": "amount", "operator": "GT", "value": "50000"}]}]. '
    f"Groups are ORed, filters in a group ANDed; at most {MAX_GROUPS} groups of "
    f"{MAX_FILTERS_PER_GROUP} filters, {MAX_FILTERS} filters in all."
)


class SearchInput(ToolInput):
    """A full-text query and/or filters, the properties to return, and paging."""

    query: Query = Field(
        None,
        description="Words to look for in the default searchable properties (names, email, "
        "phone, domain, ...); matches whole words and prefixes.",
    )
    filter_groups: FilterGroups = Field(None, alias="filterGroups", description=_FILTER_GROUPS_HELP)
    properties: PropertyNames = Field(
        None,
        description="Internal names of the properties to return, as a list or a comma-separated "
        "string. HubSpot's default set when omitted.",
    )
    limit: SearchLimit = Field(DEFAULT_LIMIT, description="Results per page, 1 to 200.")
    after: SearchCursor = Field(
        None, description="Cursor of the next page: paging.next.after of the previous result."
    )

    @field_validator("filter_groups", mode="after")
    @classmethod
    def _match_enumeration_values(
        cls, groups: list[FilterGroup] | None
    ) -> list[FilterGroup] | None:
        """Filter values of this type's enumerations become internal values."""
        if groups is None:
            return None
        return [
            FilterGroup(filters=[_with_matched_values(cls.object_type, f) for f in group.filters])
            for group in groups
        ]

    def to_request(self) -> HubSpotRequest:
        """The search body, with only the keys the agent gave (plus the page size)."""
        body: dict[str, Any] = {}
        if self.query is not None:
            body["query"] = self.query
        if self.filter_groups is not None:
            body["filterGroups"] = [
                group.model_dump(mode="json", by_alias=True, exclude_none=True)
                for group in self.filter_groups
            ]
        if self.properties is not None:
            body["properties"] = list(self.properties)
        body["limit"] = self.limit
        if self.after is not None:
            body["after"] = self.after
        return HubSpotRequest(
            method="POST", path=objects_path(self.object_type, "search"), json=body
        )


def _with_matched_values(object_type: ObjectType, item: Filter) -> Filter:
    """``item`` with its operands matched against its property's options, if it has any."""

    def match(text: str) -> str:
        return normalise_option(object_type, item.property_name, text)

    return item.model_copy(
        update={
            "value": item.value and match(item.value),
            "high_value": item.high_value and match(item.high_value),
            "values": item.values and [match(text) for text in item.values],
        }
    )


class ContactsSearchInput(SearchInput):
    """Search contacts."""

    object_type: ClassVar[ObjectType] = "contacts"


class CompaniesSearchInput(SearchInput):
    """Search companies."""

    object_type: ClassVar[ObjectType] = "companies"


class DealsSearchInput(SearchInput):
    """Search deals."""

    object_type: ClassVar[ObjectType] = "deals"
