"""Companies: create and read one."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from schemas.tools.base import CreateInput, GetInput, LinkedRecords, MoreProperties
from schemas.tools.fields import Amount, Count, PropertyNames, RecordId, RequiredText, Text
from schemas.tools.request import ObjectType


class CompanyCreateInput(CreateInput):
    """Properties of the new company; only its name is required."""

    object_type: ClassVar[ObjectType] = "companies"

    name: RequiredText = Field(description="Company name.")
    domain: Annotated[
        Text, Field(description="Primary web domain, e.g. 'acmecorp.com'; HubSpot dedupes on it.")
    ] = None
    industry: Annotated[
        Text,
        Field(description="Industry as HubSpot's internal value, e.g. 'COMPUTER_SOFTWARE'."),
    ] = None
    phone: Annotated[Text, Field(description="Phone number, as text.")] = None
    city: Annotated[Text, Field(description="City.")] = None
    state: Annotated[Text, Field(description="State or region.")] = None
    country: Annotated[Text, Field(description="Country.")] = None
    description: Annotated[Text, Field(description="Free-text description of the company.")] = None
    annualrevenue: Annotated[
        Amount,
        Field(description="Annual revenue: a number or a numeric string, e.g. 5000000."),
    ] = None
    numberofemployees: Annotated[
        Count,
        Field(description="Number of employees: a whole number or a numeric string, e.g. 250."),
    ] = None
    properties: MoreProperties = None
    associations: LinkedRecords = None


class CompanyGetInput(GetInput):
    """Which company to read, and which of its properties."""

    object_type: ClassVar[ObjectType] = "companies"
    id_field: ClassVar[str] = "company_id"

    company_id: RecordId = Field(description="The company's HubSpot id, e.g. '12345'.")
    properties: Annotated[
        PropertyNames,
        Field(
            description="Internal names of the properties to return, as a list or a "
            "comma-separated string, e.g. 'name,domain,industry'. HubSpot's default set when "
            "omitted."
        ),
    ] = None
