"""Contacts: create, read (by id or email), update, list.

Email is a contact's natural key in HubSpot, so a contact may be named by its email wherever an
id is expected (``contact_id="jane@acmecorp.com"``): the request then carries ``idProperty=email``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from schemas.hubspot_defaults import LEAD_STATUSES, LIFECYCLE_STAGES
from schemas.tools.base import (
    CreateInput,
    GetInput,
    LinkedRecords,
    MoreProperties,
    ToolInput,
    UpdateInput,
    joined,
)
from schemas.tools.enums import LeadStatus, LifecycleStage, options_hint
from schemas.tools.fields import (
    DEFAULT_LIMIT,
    ContactRef,
    Cursor,
    Email,
    Flag,
    ListLimit,
    OptionalEmail,
    PropertyNames,
    Text,
)
from schemas.tools.request import HubSpotRequest, ObjectType, objects_path

ContactId = Annotated[
    ContactRef,
    Field(description="The contact's HubSpot id (e.g. '12345'), or its email address."),
]
ContactProperties = Annotated[
    PropertyNames,
    Field(
        description="Internal names of the properties to return, as a list or a comma-separated "
        "string, e.g. 'firstname,lastname,email'. HubSpot's default set when omitted."
    ),
]

Firstname = Annotated[Text, Field(description="First name.")]
Lastname = Annotated[Text, Field(description="Last name.")]
Company = Annotated[Text, Field(description="Company name, as text (not a company record).")]
Jobtitle = Annotated[Text, Field(description="Job title, e.g. 'VP of Engineering'.")]
Phone = Annotated[Text, Field(description="Phone number, as text.")]
Website = Annotated[Text, Field(description="Website URL.")]
Lifecycle = Annotated[
    LifecycleStage,
    Field(
        description="Lifecycle stage; value or label, any case. Defaults: "
        f"{options_hint(LIFECYCLE_STAGES)}. HubSpot only moves it forward."
    ),
]
LeadStatusField = Annotated[
    LeadStatus,
    Field(
        description="Lead status; value or label, any case. Defaults: "
        f"{options_hint(LEAD_STATUSES)}."
    ),
]


class _ContactById(ToolInput):
    """The contact a read or an update names (a base class, so that ``contact_id`` comes first)."""

    object_type: ClassVar[ObjectType] = "contacts"

    contact_id: ContactId


class _ContactProperties(ToolInput):
    """The contact's named properties, in the order a create and an update list them (the
    create makes ``email`` required)."""

    object_type: ClassVar[ObjectType] = "contacts"

    email: OptionalEmail = Field(None, description="New email address.")
    firstname: Firstname = None
    lastname: Lastname = None
    company: Company = None
    jobtitle: Jobtitle = None
    phone: Phone = None
    website: Website = None
    lifecyclestage: Lifecycle = None
    hs_lead_status: LeadStatusField = None


class ContactCreateInput(_ContactProperties, CreateInput):
    """Properties of the new contact; only email is required."""

    email: Email = Field(description="Email address; unique per contact in HubSpot.")
    properties: MoreProperties = None
    associations: LinkedRecords = None


class ContactGetInput(_ContactById, GetInput):
    """Which contact to read, and which of its properties."""

    id_field: ClassVar[str] = "contact_id"
    properties: ContactProperties = None


class ContactUpdateInput(_ContactProperties, _ContactById, UpdateInput):
    """Which contact to update and the properties to change (at least one)."""

    id_field: ClassVar[str] = "contact_id"
    properties: MoreProperties = None


class ContactsListInput(ToolInput):
    """One page of contacts, oldest first."""

    object_type: ClassVar[ObjectType] = "contacts"

    limit: ListLimit = Field(DEFAULT_LIMIT, description="Contacts per page, 1 to 100.")
    after: Cursor = Field(
        None, description="Cursor of the next page: paging.next.after of the previous result."
    )
    properties: ContactProperties = None
    archived: Flag = Field(False, description="True to list only archived (deleted) contacts.")

    def to_request(self) -> HubSpotRequest:
        """``GET /crm/v3/objects/contacts`` with the paging and properties as query parameters."""
        params = {"limit": str(self.limit), **joined(self.properties)}
        if self.after is not None:
            params["after"] = self.after
        if self.archived:
            params["archived"] = "true"
        return HubSpotRequest(method="GET", path=objects_path(self.object_type), params=params)
