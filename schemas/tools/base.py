"""The base classes of the tool input models, and the request shapes they share.

A tool's input model validates and normalises what an agent sent and knows the HubSpot call it
stands for (``to_request``). The shapes repeat across object types (create, read one, update), so
they are written once here, parameterised by ``object_type`` and, for reads and updates, by the
name of the id field (``contact_id``, ``company_id``, ``deal_id``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator

from schemas.tools.dates import hubspot_datetime
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


class PropertiesInput(ToolInput):
    """A create or update: every field but the id is a HubSpot property of the record."""

    #: The field naming the record to update; ``None`` for creates.
    id_field: ClassVar[str | None] = None

    def hubspot_properties(self) -> dict[str, str]:
        """The fields given, as HubSpot's ``properties`` map of strings (None is never sent)."""
        properties: dict[str, str] = {}
        for name in type(self).model_fields:
            value: Any = getattr(self, name)
            if name == self.id_field or value is None:
                continue
            properties[name] = hubspot_datetime(value) if isinstance(value, date) else str(value)
        return properties


class CreateInput(PropertiesInput):
    """``POST /crm/v3/objects/{type}`` with the given properties."""

    def to_request(self) -> HubSpotRequest:
        """A create sends only the properties the agent gave."""
        return HubSpotRequest(
            method="POST",
            path=objects_path(self.object_type),
            json={"properties": self.hubspot_properties()},
        )


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
            changeable = [name for name in type(self).model_fields if name != self.id_field]
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
