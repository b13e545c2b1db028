"""Companies: create, read one, and update (as items of ``hubspot_companies_batch_update``)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from schemas.tools.base import (
    CreateInput,
    GetInput,
    LinkedRecords,
    MoreProperties,
    ToolInput,
    UpdateInput,
)
from schemas.tools.fields import Amount, Count, PropertyNames, RecordId, RequiredText, Text
from schemas.tools.request import ObjectType

Domain = Annotated[
    Text, Field(description="Primary web domain, e.g. 'acmecorp.com'; HubSpot dedupes on it.")
]
Industry = Annotated[
    Text, Field(description="Industry as HubSpot's internal value, e.g. 'COMPUTER_SOFTWARE'.")
]
CompanyPhone = Annotated[Text, Field(description="Phone number, as text.")]
City = Annotated[Text, Field(description="City.")]
State = Annotated[Text, Field(description="State or region.")]
Country = Annotated[Text, Field(description="Country.")]
Description = Annotated[Text, Field(description="Free-text description of the company.")]
AnnualRevenue = Annotated[
    Amount, Field(description="Annual revenue: a number or a numeric string, e.g. 5000000.")
]
Employees = Annotated[
    Count, Field(description="Number of employees: a whole number or a numeric string, e.g. 250.")
]
CompanyId = Annotated[RecordId, Field(description="The company's HubSpot id, e.g. '12345'.")]


class _CompanyById(ToolInput):
    """The company a read or an update names (a base class, so that ``company_id`` comes first)."""

    object_type: ClassVar[ObjectType] = "companies"

    company_id: CompanyId


class _CompanyProperties(ToolInput):
    """The company's named properties, in the order a create and an update list them (the
    create makes ``name`` required)."""

    object_type: ClassVar[ObjectType] = "companies"

    name: Annotated[Text, Field(description="New company name.")] = None
    domain: Domain = None
    industry: Industry = None
    phone: CompanyPhone = None
    city: City = None
    state: State = None
    country: Country = None
    description: Description = None
    annualrevenue: AnnualRevenue = None
    numberofemployees: Employees = None


class CompanyCreateInput(_CompanyProperties, CreateInput):
    """Properties of the new company; only its name is required."""

    name: RequiredText = Field(description="Company name.")
    properties: MoreProperties = None
    associations: LinkedRecords = None


class CompanyUpdateInput(_CompanyProperties, _CompanyById, UpdateInput):
    """Which company to update and the properties to change (at least one); batch items only."""

    id_field: ClassVar[str] = "company_id"
    properties: MoreProperties = None


class CompanyGetInput(_CompanyById, GetInput):
    """Which company to read, and which of its properties."""

    id_field: ClassVar[str] = "company_id"
    properties: Annotated[
        PropertyNames,
        Field(
            description="Internal names of the properties to return, as a list or a "
            "comma-separated string, e.g. 'name,domain,industry'. HubSpot's default set when "
            "omitted."
        ),
    ] = None
