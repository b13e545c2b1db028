"""A portal schema document with custom properties and a custom pipeline, for the tests."""

from __future__ import annotations

from typing import Any

from schemas.portal import new_document

#: A custom pipeline "Partners" beside the default one; "Signed" and "Closed won" are labels of
#: stages in both.
PIPELINES = [
    {
        "id": "default",
        "label": "Sales Pipeline",
        "stages": [
            ["appointmentscheduled", "Appointment scheduled"],
            ["qualifiedtobuy", "Qualified to buy"],
            ["contractsent", "Signed"],
            ["closedwon", "Closed won"],
        ],
    },
    {
        "id": "77001",
        "label": "Partners",
        "stages": [["88001", "Intro call"], ["88002", "Signed"], ["88003", "Closed won"]],
    },
]


def prop(
    name: str,
    *,
    type_: str = "string",
    field_type: str = "text",
    read_only: bool = False,
    options: list[list[str]] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "label": name.replace("_", " ").title(),
        "type": type_,
        "field_type": field_type,
        "read_only": read_only,
        "options": options or [],
    }


def enum(name: str, options: list[list[str]], field_type: str = "select") -> dict[str, Any]:
    return prop(name, type_="enumeration", field_type=field_type, options=options)


CONTACT_PROPERTIES = [
    prop("email"),
    prop("firstname"),
    prop("city"),
    enum("lifecyclestage", [["lead", "Lead"], ["customer", "Customer"], ["9001", "Champion"]]),
    enum("hs_lead_status", [["NEW", "New"], ["OPEN", "Open"]]),
    enum("favorite_color", [["blue", "Blue"], ["dark_red", "Dark Red"]]),
    enum("tools_used", [["slack", "Slack"], ["jira", "Jira"]], field_type="checkbox"),
    prop("hs_object_id", type_="number", read_only=True),
    prop("lastmodifieddate", type_="datetime", read_only=True),
]

DEAL_PROPERTIES = [
    prop("dealname"),
    prop("amount", type_="number"),
    enum("dealtype", [["newbusiness", "New Business"], ["partnership", "Partnership"]]),
    enum("hs_priority", [["low", "Low"], ["high", "High"]]),
    enum("dealstage", [["appointmentscheduled", "Appointment scheduled"]]),
    enum("pipeline", [["default", "Sales Pipeline"]]),
    prop("partner_tier"),
]

COMPANY_PROPERTIES = [
    prop("name"),
    enum("industry", [["COMPUTER_SOFTWARE", "Computer Software"], ["BANKING", "Banking"]]),
]


def custom_document() -> dict[str, Any]:
    """Contacts, companies and deals with custom properties, and the two pipelines."""
    return new_document(
        {
            "contacts": CONTACT_PROPERTIES,
            "companies": COMPANY_PROPERTIES,
            "deals": DEAL_PROPERTIES,
        },
        PIPELINES,
    )
