"""The producer side: the Python API (``Actions``), the HTTP API, the CLI.

``from producer import Actions`` is the entry point users copy from the docs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from producer.actions import Actions
    from producer.errors import ToolError

__all__ = ["Actions", "ToolError"]


def __getattr__(name: str) -> Any:
    # Lazy, so ``import producer`` (the CLI's entry point) stays cheap.
    if name == "Actions":
        from producer.actions import Actions

        return Actions
    if name == "ToolError":
        from producer.errors import ToolError

        return ToolError
    raise AttributeError(name)
