"""The registry: DESIGN.md's 11 tools then the 4 batch tools, with scopes, kinds, retry policies."""

from __future__ import annotations

import pytest

from core.errors import UnknownTool
from schemas.tools import TOOLS, all_required_scopes, get_tool, parse_tool_input

#: name -> (object type, kind, scope, retry when the outcome is unknown)
EXPECTED = {
    "hubspot_contacts_search": ("contacts", "read", "crm.objects.contacts.read", True),
    "hubspot_contact_create": ("contacts", "create", "crm.objects.contacts.write", True),
    "hubspot_contact_get": ("contacts", "read", "crm.objects.contacts.read", True),
    "hubspot_contact_update": ("contacts", "update", "crm.objects.contacts.write", True),
    "hubspot_contacts_list": ("contacts", "read", "crm.objects.contacts.read", True),
    "hubspot_company_create": ("companies", "create", "crm.objects.companies.write", False),
    "hubspot_company_get": ("companies", "read", "crm.objects.companies.read", True),
    "hubspot_companies_search": ("companies", "read", "crm.objects.companies.read", True),
    "hubspot_deal_create": ("deals", "create", "crm.objects.deals.write", False),
    "hubspot_deal_update": ("deals", "update", "crm.objects.deals.write", True),
    "hubspot_deals_search": ("deals", "read", "crm.objects.deals.read", True),
    "hubspot_contacts_batch_create": ("contacts", "create", "crm.objects.contacts.write", False),
    "hubspot_contacts_batch_update": ("contacts", "update", "crm.objects.contacts.write", True),
    "hubspot_companies_batch_update": ("companies", "update", "crm.objects.companies.write", True),
    "hubspot_deals_batch_update": ("deals", "update", "crm.objects.deals.write", True),
}


def test_the_tools_in_design_order() -> None:
    """TOOLS holds DESIGN.md's 11 tools in its table's order, then section 12's batch tools."""
    assert list(TOOLS) == list(EXPECTED)


@pytest.mark.parametrize(("name", "expected"), EXPECTED.items())
def test_spec_attributes(name: str, expected: tuple[str, str, str, bool]) -> None:
    """Each spec's object type, kind, scope, read-only flag and retry policy are as designed."""
    object_type, kind, scope, retry = expected
    spec = get_tool(name)
    assert spec.name == name
    assert (spec.object_type, spec.kind, spec.required_scopes) == (object_type, kind, (scope,))
    assert spec.read_only is (kind == "read")
    assert spec.retry_unknown_outcome is retry
    assert spec.input_model.object_type == object_type


def test_all_required_scopes() -> None:
    """The union of the tools' scopes is the six CRM object scopes, sorted."""
    assert all_required_scopes() == (
        "crm.objects.companies.read",
        "crm.objects.companies.write",
        "crm.objects.contacts.read",
        "crm.objects.contacts.write",
        "crm.objects.deals.read",
        "crm.objects.deals.write",
    )


@pytest.mark.parametrize("name", ["hubspot_contact_delete", "", "HUBSPOT_CONTACT_GET"])
def test_unknown_tools_list_the_valid_names(name: str) -> None:
    """An unknown name raises UnknownTool, whose message and details list every valid name."""
    with pytest.raises(UnknownTool) as caught:
        get_tool(name)
    assert all(valid in caught.value.message for valid in TOOLS)
    assert caught.value.details["valid_tools"] == list(TOOLS)
    assert caught.value.code == "unknown_tool"
    with pytest.raises(UnknownTool):
        parse_tool_input(name, {})


def test_build_request_refuses_another_tools_input() -> None:
    """Building a request from another tool's input is a programming error, not a bad call."""
    parsed = parse_tool_input("hubspot_contacts_list", {})
    with pytest.raises(TypeError, match="ContactsSearchInput"):
        get_tool("hubspot_contacts_search").build_request(parsed)


def test_registry_is_read_only() -> None:
    """Nobody can add or replace a tool at run time."""
    with pytest.raises(TypeError):
        TOOLS["x"] = TOOLS["hubspot_contact_get"]  # type: ignore[index]
