"""Store fixtures (SQLite and PostgreSQL) and the shared pipeline stack."""

from tests.support.tools_fixtures import clear_faults, http_actions, stack

__all__ = ["clear_faults", "http_actions", "stack"]
