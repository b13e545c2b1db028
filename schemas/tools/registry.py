"""The tools: DESIGN.md section 5's 11, in its table's order, then section 12's four batch tools.

Descriptions are written for the model choosing a tool: what it does, when to prefer it over its
neighbours, and what comes back. The contract of each input is in its model's field descriptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from schemas.tools.batch import (
    CompaniesBatchUpdateInput,
    ContactsBatchCreateInput,
    ContactsBatchUpdateInput,
    DealsBatchUpdateInput,
)
from schemas.tools.companies import CompanyCreateInput, CompanyGetInput
from schemas.tools.contacts import (
    ContactCreateInput,
    ContactGetInput,
    ContactsListInput,
    ContactUpdateInput,
)
from schemas.tools.deals import DealCreateInput, DealUpdateInput
from schemas.tools.search import CompaniesSearchInput, ContactsSearchInput, DealsSearchInput
from schemas.tools.spec import ToolSpec, define

_SEARCH_HOW = (
    "Use query for free text, filterGroups for exact conditions (e.g. amount GT 50000), or both. "
    "Returns {total, results: [{id, properties}], paging.next.after when there are more}. "
    "Newly created records can take a few seconds to become searchable."
)

_BATCH_RETURNS = (
    "Returns {status, results: [{id, properties}], errors: [...] when some inputs failed}."
)

_SPECS = (
    define(
        "hubspot_contacts_search",
        ContactsSearchInput,
        "read",
        "Search HubSpot contacts by name, email, phone or company words, or by property filters "
        f"(e.g. lifecyclestage EQ lead). {_SEARCH_HOW}",
    ),
    define(
        "hubspot_contact_create",
        ContactCreateInput,
        "create",
        "Create a HubSpot contact. Email is required and unique: if a contact with that email "
        "exists, HubSpot answers 409 'Contact already exists. Existing ID: ...' (then use "
        "hubspot_contact_update). Returns the new contact {id, properties}.",
    ),
    define(
        "hubspot_contact_get",
        ContactGetInput,
        "read",
        "Read one HubSpot contact by its id or its email address, with the properties you "
        "name. Returns {id, properties}; 404 when no such contact exists.",
    ),
    define(
        "hubspot_contact_update",
        ContactUpdateInput,
        "update",
        "Change properties of an existing HubSpot contact, named by id or email. Only the "
        "properties you give change. Returns the updated contact {id, properties}.",
    ),
    define(
        "hubspot_contacts_list",
        ContactsListInput,
        "read",
        "List HubSpot contacts page by page, oldest first, without any condition. To find "
        "particular contacts use hubspot_contacts_search. Returns {results, paging.next.after}.",
    ),
    define(
        "hubspot_company_create",
        CompanyCreateInput,
        "create",
        "Create a HubSpot company record. Name is required; give the domain when known so "
        "HubSpot can enrich and deduplicate it. Search first (hubspot_companies_search) to "
        "avoid duplicates. Returns the new company {id, properties}.",
    ),
    define(
        "hubspot_company_get",
        CompanyGetInput,
        "read",
        "Read one HubSpot company by its id, with the properties you name. Returns "
        "{id, properties}; 404 when no such company exists.",
    ),
    define(
        "hubspot_companies_search",
        CompaniesSearchInput,
        "read",
        "Search HubSpot companies by name, domain, website or phone words, or by property "
        f"filters (e.g. industry EQ COMPUTER_SOFTWARE). {_SEARCH_HOW}",
    ),
    define(
        "hubspot_deal_create",
        DealCreateInput,
        "create",
        "Create a HubSpot deal. Name and stage are required; the pipeline defaults to the "
        "portal's default pipeline. Search first (hubspot_deals_search) to avoid duplicates. "
        "Returns the new deal {id, properties}.",
    ),
    define(
        "hubspot_deal_update",
        DealUpdateInput,
        "update",
        "Change properties of an existing HubSpot deal by id, e.g. move it to another stage or "
        "change its amount or close date. Only the properties you give change. Returns the "
        "updated deal {id, properties}.",
    ),
    define(
        "hubspot_deals_search",
        DealsSearchInput,
        "read",
        "Search HubSpot deals by name or description words, or by property filters (e.g. "
        f"dealstage EQ presentationscheduled, amount GT 50000). {_SEARCH_HOW}",
    ),
    define(
        "hubspot_contacts_batch_create",
        ContactsBatchCreateInput,
        "create",
        "Create up to 100 HubSpot contacts in one call; each input as hubspot_contact_create "
        "takes it. If any email already exists HubSpot refuses the whole batch with 409 naming "
        f"one existing contact. {_BATCH_RETURNS}",
        batch=True,
    ),
    define(
        "hubspot_contacts_batch_update",
        ContactsBatchUpdateInput,
        "update",
        "Change up to 100 existing HubSpot contacts in one call; each input as "
        f"hubspot_contact_update takes it (by id or email). {_BATCH_RETURNS}",
        batch=True,
    ),
    define(
        "hubspot_companies_batch_update",
        CompaniesBatchUpdateInput,
        "update",
        "Change up to 100 existing HubSpot companies in one call; each input names the company "
        f"by company_id and gives the properties to change. {_BATCH_RETURNS}",
        batch=True,
    ),
    define(
        "hubspot_deals_batch_update",
        DealsBatchUpdateInput,
        "update",
        "Change up to 100 existing HubSpot deals in one call; each input as hubspot_deal_update "
        f"takes it (by deal_id). {_BATCH_RETURNS}",
        batch=True,
    ),
)

#: Every tool by name, in DESIGN.md's order (the 11 of section 5, then the batch tools).
TOOLS: Mapping[str, ToolSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})
