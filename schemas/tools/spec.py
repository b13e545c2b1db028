"""What the rest of the project knows about a tool: its name, contract, scopes and call.

A ``ToolSpec`` is the one place the API (catalog, validation), the worker (scopes, the request,
what to do when an outcome is unknown) and the LangChain adapter (description, schema) read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from schemas.tools.base import ToolInput
from schemas.tools.request import HubSpotRequest, ObjectType

ToolKind = Literal["read", "create", "update"]


@dataclass(frozen=True)
class ToolSpec:
    """One named tool.

    ``retry_unknown_outcome`` says whether the worker may send the request again when it was sent
    but the answer was lost: reads and updates are idempotent; a contact create that already
    happened answers 409 "Contact already exists" naming the contact; a company or deal create
    would silently make a duplicate, so it fails ``outcome_unknown`` instead.
    """

    name: str
    description: str
    input_model: type[ToolInput]
    required_scopes: tuple[str, ...]
    read_only: bool
    object_type: ObjectType
    kind: ToolKind
    retry_unknown_outcome: bool
    #: True for the batch tools (``inputs``: many records, one HubSpot batch call).
    batch: bool = False

    def build_request(self, tool_input: BaseModel) -> HubSpotRequest:
        """The HubSpot call for an input this tool parsed (``parse_tool_input``)."""
        if not isinstance(tool_input, self.input_model):
            raise TypeError(
                f"{self.name} builds requests from {self.input_model.__name__}, "
                f"not {type(tool_input).__name__}"
            )
        return tool_input.to_request()


def define(
    name: str,
    input_model: type[ToolInput],
    kind: ToolKind,
    description: str,
    *,
    batch: bool = False,
) -> ToolSpec:
    """A spec whose scopes and retry policy follow from the object type and the kind of call.

    Only a single contact create may be resent after a lost answer (its 409 names the contact it
    made); a batch create's 409 names one existing contact of many, so nothing tells which of the
    batch were created: it fails ``outcome_unknown`` like the other creates.
    """
    object_type = input_model.object_type
    access = "read" if kind == "read" else "write"
    resend_create = object_type == "contacts" and not batch
    return ToolSpec(
        name=name,
        description=description,
        input_model=input_model,
        required_scopes=(f"crm.objects.{object_type}.{access}",),
        read_only=kind == "read",
        object_type=object_type,
        kind=kind,
        retry_unknown_outcome=kind != "create" or resend_create,
        batch=batch,
    )
