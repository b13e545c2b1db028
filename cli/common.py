"""What every CLI command shares: settings from the environment and logging set up for them."""

from __future__ import annotations

from core.logging import configure_logging
from core.settings import Settings, load_settings


def cli_settings(component: str, **overrides: object) -> Settings:
    settings = load_settings(**overrides)
    configure_logging(level=settings.log_level, json=settings.wants_json_logs, component=component)
    return settings
