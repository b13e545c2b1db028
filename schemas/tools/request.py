"""The HTTP request a tool call turns into, before any I/O.

Tools stop at a description of the request: the worker's HubSpot client adds the base URL, the
bearer token, timeouts and retries. Keeping the request a plain value lets the tools be tested
exhaustively without a server, and lets the worker log or fingerprint a call without sending it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

#: The CRM object types the tools act on, as HubSpot names them in legacy v3 paths.
ObjectType = Literal["contacts", "companies", "deals"]

HttpMethod = Literal["GET", "POST", "PATCH", "DELETE"]


@dataclass(frozen=True, slots=True)
class HubSpotRequest:
    """One HubSpot API call: ``path`` is relative to the API base and already URL-quoted.

    ``params`` is the query string (values already joined, e.g. ``properties=a,b``); ``json`` is
    the body, ``None`` for calls without one.
    """

    method: HttpMethod
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None


def objects_path(object_type: ObjectType, *segments: str) -> str:
    """``/crm/v3/objects/{type}[/segment...]``, each segment quoted whole.

    Quoting with no safe characters means an id can never add a path segment or a query string,
    whatever an agent put in it (an email's ``@`` becomes ``%40``, which HubSpot decodes).
    """
    quoted = "".join("/" + quote(segment, safe="") for segment in segments)
    return f"/crm/v3/objects/{object_type}{quoted}"
