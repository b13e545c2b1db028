"""Which single writes the worker may send together, and which record each write touches.

DESIGN.md section 12: ready jobs of one account and one of ``COALESCED_TOOLS`` go to HubSpot as one
``/batch/create`` or ``/batch/update`` call. Two writes of one record must never share such a call,
and must run in the order they were submitted, coalesced or not: ``record_key`` names the record
a job writes, so the job store can refuse to start a job while an earlier one of the same key is
unfinished (``store.jobs.leases``).

A key is ``{object type}:{id}`` for an update (for a contact named by email, the email lowercased,
as HubSpot compares emails) and ``contacts:{email}`` for a contact create, so a create and a later
update of the same email run in order too. Companies and deals have no natural key before they
exist, so their creates have none. A contact named once by id and once by email gets two keys:
telling that they are one contact would take a HubSpot read at submission.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.errors import UnknownTool
from schemas.tools.base import CreateInput, ToolInput, UpdateInput
from schemas.tools.batch import batch_create_request, batch_update_request
from schemas.tools.parsing import get_tool
from schemas.tools.request import HubSpotRequest

#: The single tools whose ready jobs the worker sends as one batch call.
COALESCED_TOOLS = frozenset(
    {
        "hubspot_contact_create",
        "hubspot_contact_update",
        "hubspot_company_create",
        "hubspot_deal_create",
        "hubspot_deal_update",
    }
)

#: Longest key stored (the column's width); longer ids are not real HubSpot ids anyway.
MAX_KEY_LENGTH = 300


def record_key(tool_name: str, tool_input: Mapping[str, Any]) -> str | None:
    """The record a job of ``tool_name`` writes, or None (reads, batch tools, new companies)."""
    try:
        spec = get_tool(tool_name)
    except UnknownTool:
        return None
    if spec.batch or spec.kind == "read":
        return None
    if spec.kind == "update":
        value = tool_input.get(str(getattr(spec.input_model, "id_field", "")))
    elif spec.object_type == "contacts":
        value = tool_input.get("email")
    else:
        return None
    if not isinstance(value, str | int) or not str(value):
        return None
    return f"{spec.object_type}:{str(value).strip().lower()}"[:MAX_KEY_LENGTH]


def coalesced_request(
    tool_name: str, items: Sequence[ToolInput], trace_ids: Sequence[str]
) -> HubSpotRequest:
    """One batch call for parsed inputs of ``tool_name``, each input traced by its job's id."""
    spec = get_tool(tool_name)
    if tool_name not in COALESCED_TOOLS:
        raise ValueError(f"{tool_name} is not sent in batches")
    if spec.kind == "create":
        creates = [i for i in items if isinstance(i, CreateInput)]
        assert len(creates) == len(items)
        return batch_create_request(spec.object_type, creates, trace_ids)
    updates = [i for i in items if isinstance(i, UpdateInput)]
    assert len(updates) == len(items)
    return batch_update_request(spec.object_type, updates, trace_ids)
