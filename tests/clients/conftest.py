"""Shared stack and clients (``tests.support.tools_fixtures``)."""

from tests.support.tools_fixtures import (
    actions,
    clear_faults,
    http_actions,
    inprocess_actions,
    stack,
)

__all__ = ["actions", "clear_faults", "http_actions", "inprocess_actions", "stack"]
