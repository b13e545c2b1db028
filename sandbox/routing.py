"""Route table and matcher: ``(method, path)`` to a handler, its path parameters and stats key.

Static paths are one dict lookup; templated ones (``/crm/v3/objects/contacts/{id}``) are matched
segment by segment among the few templates of the same method and depth, so matching stays cheap
on the hot path without regular expressions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandbox.http import Request, Response

if TYPE_CHECKING:
    from sandbox.state import Sandbox

Handler = Callable[["Sandbox", Request], Response]


@dataclass(frozen=True, slots=True)
class Access:
    """What a CRM route needs: any one of ``scopes``, and which rate limit it counts against."""

    scopes: tuple[str, ...]
    search: bool = False


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint. ``key`` names it in ``GET /_sandbox/stats`` (``"GET /crm/v3/.../{id}"``)."""

    method: str
    template: str
    handler: Handler
    key: str
    access: Access | None = None
    control: bool = False


class Router:
    """Finds the route for a request; see the module docstring for the matching strategy."""

    def __init__(self) -> None:
        self._static: dict[tuple[str, str], Route] = {}
        self._templated: dict[tuple[str, int], list[tuple[tuple[str, ...], Route]]] = {}

    def add(
        self,
        method: str,
        template: str,
        handler: Handler,
        *,
        key: str | None = None,
        access: Access | None = None,
        control: bool = False,
    ) -> None:
        """Register ``handler`` for ``method template``; ``key`` defaults to that pair."""
        route = Route(method, template, handler, key or f"{method} {template}", access, control)
        if "{" not in template:
            self._static[(method, template)] = route
            return
        segments = tuple(template.strip("/").split("/"))
        self._templated.setdefault((method, len(segments)), []).append((segments, route))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route and its path parameters, or None when nothing matches."""
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        route = self._static.get((method, path))
        if route is not None:
            return route, {}
        parts = path.strip("/").split("/")
        for segments, candidate in self._templated.get((method, len(parts)), ()):
            params = _bind(segments, parts)
            if params is not None:
                return candidate, params
        return None


def _bind(segments: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for segment, part in zip(segments, parts, strict=True):
        if segment.startswith("{"):
            if not part:
                return None
            params[segment[1:-1]] = part
        elif segment != part:
            return None
    return params
