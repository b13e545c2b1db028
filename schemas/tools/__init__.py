"""The tool definitions: validate what an agent sends and turn it into a HubSpot request.

Pure and I/O-free. The API validates a submission with ``parse_tool_input`` and stores
``canonical_input`` of it; the worker re-parses the stored input and sends
``get_tool(name).build_request(parsed)`` with the account's token.

Modules, from the bottom up: ``values`` (parsers of single values), ``fields``, ``enums``,
``dates``, ``filters`` (field types), ``request`` (``HubSpotRequest``), ``base`` (request shapes),
``contacts``, ``companies``, ``deals``, ``search`` (the input models), ``spec`` (``ToolSpec``),
``registry`` (``TOOLS``), ``messages`` (error wording), ``parsing`` and ``catalog`` (entry points).
"""

from schemas.tools.catalog import all_required_scopes, tool_catalog
from schemas.tools.parsing import canonical_input, get_tool, parse_tool_input
from schemas.tools.registry import TOOLS
from schemas.tools.request import HubSpotRequest
from schemas.tools.spec import ToolSpec

__all__ = [
    "TOOLS",
    "HubSpotRequest",
    "ToolSpec",
    "all_required_scopes",
    "canonical_input",
    "get_tool",
    "parse_tool_input",
    "tool_catalog",
]
