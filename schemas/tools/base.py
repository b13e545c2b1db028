"""The base classes of the tool input models, and the request shapes they share.

A tool's input model validates and normalises what an agent sent and knows the HubSpot call it
stands for (``to_request``). The shapes repeat across object types (create, read one, update), so
they are written once here, parameterised by ``object_type`` and, for reads and updates, by the
name of the id field (``contact_id``, ``company_id``, ``deal_id``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.tools.dates import hubspot_datetime
from schemas.tools.extras import (
    Associations,
    ExtraProperties,
    OptionalAssociations,
    association_body,
    check_association_keys,
)
from schemas.tools.request import HubSpotRequest, ObjectType, objects_path
from schemas.tools.values import fail


class ToolInput(BaseModel):
    """Base of every tool input: unknown fields are refused so a typo is named in the error."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True)

    #: The CRM object type the tool acts on; each concrete model sets it.
    object_type: ClassVar[ObjectType]

    def to_request(self) -> HubSpotRequest:
        """The HubSpot call this input stands for."""
        raise NotImplementedError


def joined(names: list[str] | None) -> dict[str, str]:
    """The ``properties=a,b`` query parameter, or nothing when no names were asked for."""
    return {"properties": ",".join(names)} if names else {}


def id_params(record: str) -> dict[str, str]:
    """Look a record up by email when its "id" is one (only contacts accept emails as ids)."""
    return {} if record.isdigit() else {"idProperty": "email"}


#: Fields of a create/update that are not HubSpot properties of their own name.
_NOT_PROPERTIES = frozenset({"properties", "associations"})

#: ``properties`` of a create or update (declared last by each model, like the read tools' own).
MoreProperties = Annotated[
    ExtraProperties,
    Field(
        description="Further HubSpot properties to set, by internal name (custom ones "
        'included), e.g. {"favorite_color": "blue"}; enumeration values by value or label. '
        "Not for the fields above."
    ),
]
#: ``associations`` of a create.
LinkedRecords = Annotated[
    OptionalAssociations,
    Field(
        description='Existing records to link the new one to: {"contact_ids": [...], '
        '"company_ids": [...], "deal_ids": [...]} (HubSpot ids; not the own type).'
    ),
]


class PropertiesInput(ToolInput):
    """A create or update: every named field but the id is a HubSpot property of the record,
    and ``properties`` adds any other (DESIGN.md section 13)."""

    #: The field naming the record to update; ``None`` for creates.
    id_field: ClassVar[str | None] = None

    if TYPE_CHECKING:  # declared by each concrete model, after its named fields
        properties: dict[str, str] | None

    @classmethod
    def property_fields(cls) -> list[str]:
        """The named fields that are HubSpot properties (not the id, not the extras)."""
        return [n for n in cls.model_fields if n != cls.id_field and n not in _NOT_PROPERTIES]

    @model_validator(mode="after")
    def _no_duplicates(self) -> Self:
        """A name given both as a field and in ``properties`` is ambiguous: which value wins?"""
        named = set(type(self).property_fields()) | {type(self).id_field}
        twice = sorted(n for n in self.properties or {} if n in named)
        if twice:
            fail(
                "property_duplicate",
                f"properties.{twice[0]} duplicates the top-level field {twice[0]!r}; give it once",
            )
        return self

    def named_properties(self) -> dict[str, str]:
        """The named fields given, as HubSpot's strings (None is never sent)."""
        properties: dict[str, str] = {}
        for name in type(self).property_fields():
            value: Any = getattr(self, name)
            if value is not None:
                properties[name] = (
                    hubspot_datetime(value) if isinstance(value, date) else str(value)
                )
        return properties

    def hubspot_properties(self) -> dict[str, str]:
        """HubSpot's ``properties`` map: the named fields, then the extras."""
        return {**self.named_properties(), **(self.properties or {})}


class CreateInput(PropertiesInput):
    """``POST /crm/v3/objects/{type}`` with the given properties and associations."""

    if TYPE_CHECKING:  # declared by each concrete model, last
        associations: Associations | None

    @model_validator(mode="after")
    def _known_links(self) -> Self:
        check_association_keys(self.object_type, self.associations)
        return self

    def to_request(self) -> HubSpotRequest:
        """A create sends only the properties the agent gave, and any associations."""
        body: dict[str, Any] = {"properties": self.hubspot_properties()}
        if self.associations is not None and self.associations.targets():
            body["associations"] = association_body(self.object_type, self.associations)
        return HubSpotRequest(method="POST", path=objects_path(self.object_type), json=body)


class UpdateInput(PropertiesInput):
    """``PATCH /crm/v3/objects/{type}/{id}`` with the properties to change."""

    #: The field naming the record; each concrete model sets it.
    id_field: ClassVar[str]

    @property
    def record(self) -> str:
        """The id (or, for contacts, the email) of the record to update."""
        return str(getattr(self, self.id_field))

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        """An update that changes nothing is a mistake of the agent's, not a no-op to run."""
        if not self.hubspot_properties():
            changeable = type(self).property_fields()
            fail(
                "nothing_to_update",
                f"give at least one property to change: {', '.join(changeable)}",
            )
        return self

    def to_request(self) -> HubSpotRequest:
        """PATCH the record; an email "id" is resolved by HubSpot with ``idProperty=email``."""
        return HubSpotRequest(
            method="PATCH",
            path=objects_path(self.object_type, self.record),
            params=id_params(self.record),
            json={"properties": self.hubspot_properties()},
        )


class GetInput(ToolInput):
    """``GET /crm/v3/objects/{type}/{id}``; concrete models add the id field and ``properties``."""

    #: The field naming the record; each concrete model sets it.
    id_field: ClassVar[str]

    if TYPE_CHECKING:  # declared by each concrete model, after its id field
        properties: list[str] | None

    def to_request(self) -> HubSpotRequest:
        """Read one record, with the properties asked for (HubSpot's defaults otherwise)."""
        record = str(getattr(self, self.id_field))
        return HubSpotRequest(
            method="GET",
            path=objects_path(self.object_type, record),
            params={**joined(self.properties), **id_params(record)},
        )
