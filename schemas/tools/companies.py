"""Companies: create, read one, and update (as items of ``hubspot_companies_batch_update``)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from schemas.tools.base import CreateInput, GetInput, LinkedRecords, MoreProperties, UpdateInput
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


class CompanyCreateInput(CreateInput):
    """Properties of the new company; only its name is required."""

    object_type: ClassVar[ObjectType] = "companies"

    name: RequiredText = Field(description="Company name.")
    domain: Domain = None
    industry: Industry = None
    phone: CompanyPhone = None
    city: City = None
    state: State = None
    country: Country = None
    description: Description = None
    annualrevenue: AnnualRevenue = None
    numberofemployees: Employees = None
    properties: MoreProperties = None
    associations: LinkedRecords = None


class CompanyUpdateInput(UpdateInput):
    """Which company to update and the properties to change (at least one); batch items only."""

    object_type: ClassVar[ObjectType] = "companies"
    id_field: ClassVar[str] = "company_id"

    company_id: CompanyId
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
    properties: MoreProperties = None


class CompanyGetInput(GetInput):
    """Which company to read, and which of its properties."""

    object_type: ClassVar[ObjectType] = "companies"
    id_field: ClassVar[str] = "company_id"

    company_id: CompanyId
    properties: Annotated[
        PropertyNames,
        Field(
            description="Internal names of the properties to return, as a list or a "
            "comma-separated string, e.g. 'name,domain,industry'. HubSpot's default set when "
            "omitted."
        ),
    ] = None
