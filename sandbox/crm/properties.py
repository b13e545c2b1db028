"""The properties a default HubSpot portal has for contacts, companies and deals.

Every field the 11 tools use (DESIGN.md section 5) plus HubSpot's bookkeeping properties, with
HubSpot's types (facts 4) and the enumerations of ``schemas.hubspot_defaults``. The lists of
default returned and default searchable properties are HubSpot's (facts 4.5, 4.6). A company's
``industry`` is an enumeration, as in every real portal (``sandbox.crm.industries``). Portals add
their own properties through the Properties API (``sandbox.crm.portal``); those are
``PropertyDef`` values too, with ``hubspot_defined`` off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.clock import iso_ms
from sandbox.crm.industries import INDUSTRIES
from schemas.hubspot_defaults import ENUMERATIONS, OBJECT_TYPE_IDS, Option

#: When HubSpot's own properties were defined, as their definitions report it.
_DEFINED_AT = "2019-08-06T02:41:52.512Z"

#: ``0-1`` -> ``contacts`` and ``contacts`` -> ``contacts``: both spellings reach one type.
OBJECT_TYPES: dict[str, str] = {
    **{type_id: name for name, type_id in OBJECT_TYPE_IDS.items()},
    **{name: name for name in OBJECT_TYPE_IDS},
}

#: The "last modified" property differs between contacts and the others (facts 4.5).
MODIFIED_PROPERTY = {
    "contacts": "lastmodifieddate",
    "companies": "hs_lastmodifieddate",
    "deals": "hs_lastmodifieddate",
}

#: Returned when a read, list or search names no properties (facts 4.5, the search doc's list).
DEFAULT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "contacts": (
        "firstname",
        "lastname",
        "email",
        "lastmodifieddate",
        "hs_object_id",
        "createdate",
    ),
    "companies": ("name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"),
    "deals": (
        "dealname",
        "amount",
        "closedate",
        "pipeline",
        "dealstage",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    ),
}

#: Always returned beside the requested properties (what live v3 answers show).
ALWAYS_RETURNED: dict[str, tuple[str, ...]] = {
    name: ("createdate", MODIFIED_PROPERTY[name], "hs_object_id") for name in OBJECT_TYPE_IDS
}

#: What a search ``query`` looks in (facts 4.6).
SEARCHABLE: dict[str, tuple[str, ...]] = {
    "contacts": (
        "firstname",
        "lastname",
        "email",
        "phone",
        "hs_additional_emails",
        "fax",
        "mobilephone",
        "company",
        "hs_marketable_until_renewal",
    ),
    "companies": ("website", "phone", "name", "domain"),
    "deals": ("dealname", "pipeline", "dealstage", "description", "dealtype"),
}


@dataclass(frozen=True, slots=True)
class PropertyDef:
    """One property definition: HubSpot's ``type`` and ``fieldType``, options, write rules.

    Custom properties (created through ``POST /crm/v3/properties/{type}``) carry their creation
    time in ``created_ms`` and have ``hubspot_defined`` off; all fields are plain data so the
    definitions can be persisted with the rest of the sandbox's state.
    """

    name: str
    label: str
    type: str
    field_type: str
    group: str
    options: tuple[Option, ...] = ()
    read_only: bool = False
    unique: bool = False
    hubspot_defined: bool = True
    created_ms: int | None = None
    description: str = ""
    display_order: int = -1

    def view(self, object_type: str) -> dict[str, Any]:
        """The Properties API shape (``GET /crm/v3/properties/{type}/{name}``)."""
        stamp = _DEFINED_AT if self.created_ms is None else iso_ms(self.created_ms)
        return {
            "updatedAt": stamp,
            "createdAt": stamp,
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group,
            "options": [
                {
                    "label": o.label,
                    "value": o.value,
                    "displayOrder": o.display_order,
                    "hidden": False,
                }
                for o in self.options
            ],
            "displayOrder": self.display_order,
            "calculated": self.read_only and self.name != "hs_object_id",
            "externalOptions": False,
            "hasUniqueValue": self.unique,
            "hidden": False,
            "hubspotDefined": self.hubspot_defined,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only,
            },
            "formField": not self.read_only,
            "dataSensitivity": "non_sensitive",
        }


def _text(name: str, label: str, group: str, field_type: str = "text") -> PropertyDef:
    return PropertyDef(name, label, "string", field_type, group)


def _enum(object_type: str, name: str, label: str, group: str) -> PropertyDef:
    options = ENUMERATIONS[object_type][name]
    return PropertyDef(name, label, "enumeration", "select", group, options)


def _address(group: str) -> list[PropertyDef]:
    """The postal address properties, the same on contacts and companies."""
    return [
        _text("address", "Street Address", group),
        _text("city", "City", group),
        _text("state", "State/Region", group),
        _text("zip", "Postal Code", group),
        _text("country", "Country/Region", group),
    ]


def _bookkeeping(object_type: str, group: str) -> list[PropertyDef]:
    modified = MODIFIED_PROPERTY[object_type]
    return [
        PropertyDef("createdate", "Create Date", "datetime", "date", group),
        PropertyDef(modified, "Last Modified Date", "datetime", "date", group, read_only=True),
        PropertyDef(
            "hs_object_id", "Record ID", "number", "number", group, read_only=True, unique=True
        ),
    ]


def _contacts() -> list[PropertyDef]:
    g = "contactinformation"
    return [
        PropertyDef("email", "Email", "string", "text", g, unique=True),
        _text("firstname", "First Name", g),
        _text("lastname", "Last Name", g),
        _text("company", "Company Name", g),
        _text("jobtitle", "Job Title", g),
        _text("phone", "Phone Number", g, "phonenumber"),
        _text("mobilephone", "Mobile Phone Number", g, "phonenumber"),
        _text("fax", "Fax Number", g),
        _text("website", "Website URL", g),
        *_address(g),
        _text("hs_additional_emails", "Additional email addresses", g, "textarea"),
        PropertyDef(
            "hs_marketable_until_renewal",
            "Marketing contact until next update",
            "string",
            "text",
            g,
            read_only=True,
        ),
        _enum("contacts", "lifecyclestage", "Lifecycle Stage", g),
        _enum("contacts", "hs_lead_status", "Lead Status", "sales_properties"),
        *_bookkeeping("contacts", g),
    ]


def _companies() -> list[PropertyDef]:
    g = "companyinformation"
    return [
        _text("name", "Company name", g),
        _text("domain", "Company Domain Name", g),
        _text("website", "Website URL", g),
        PropertyDef("industry", "Industry", "enumeration", "select", g, INDUSTRIES),
        _text("phone", "Phone Number", g, "phonenumber"),
        *_address(g),
        _text("description", "Description", g, "textarea"),
        PropertyDef("annualrevenue", "Annual Revenue", "number", "number", g),
        PropertyDef("numberofemployees", "Number of Employees", "number", "number", g),
        *_bookkeeping("companies", g),
    ]


def _deals() -> list[PropertyDef]:
    g = "dealinformation"
    return [
        _text("dealname", "Deal Name", g),
        _enum("deals", "dealstage", "Deal Stage", g),
        _enum("deals", "pipeline", "Pipeline", g),
        PropertyDef("amount", "Amount", "number", "number", g),
        PropertyDef("closedate", "Close Date", "datetime", "date", g),
        _enum("deals", "dealtype", "Deal Type", g),
        _text("description", "Deal Description", g, "textarea"),
        _enum("deals", "hs_priority", "Priority", g),
        *_bookkeeping("deals", g),
    ]


#: Every known property, by object type name and property name.
CATALOG: dict[str, dict[str, PropertyDef]] = {
    name: {p.name: p for p in build()}
    for name, build in (("contacts", _contacts), ("companies", _companies), ("deals", _deals))
}
