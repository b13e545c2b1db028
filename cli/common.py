"""What every CLI command shares: settings from the environment and logging set up for them."""

from __future__ import annotations

from core.logging import configure_logging
from core.settings import Settings, load_local_settings, load_settings


def cli_settings(component: str, *, local_run: bool = False, **overrides: object) -> Settings:
    """Settings for one command; ``local_run`` also reads the directory's ``run`` (DESIGN s17)."""
    settings = (load_local_settings if local_run else load_settings)(**overrides)
    configure_logging(level=settings.log_level, json=settings.wants_json_logs, component=component)
    return settings
