"""Structured logging for every process: structlog events, stdlib logs through the same pipeline.

Dramatiq, uvicorn, httpx and alembic log through the standard library; their records are rendered
by the same processors as our own events, so one process writes one format (JSON when not a TTY or
in production). The redaction processor runs last before rendering, on every record, because a
secret that reaches a log line cannot be taken back.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.types import EventDict, Processor

from core.redaction import redact_event

#: Libraries whose INFO chatter drowns our events; they log at WARNING and above.
QUIET_LOGGERS = ("httpx", "httpcore", "alembic.runtime.migration", "uvicorn.access")


def configure_logging(
    *, level: str = "INFO", json: bool = True, component: str | None = None, stream: Any = None
) -> None:
    """Install the pipeline on the root logger; safe to call again (it replaces the handler)."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if component:
        shared.append(_ComponentAdder(component))
    renderer: Processor
    if json:
        renderer = structlog.processors.JSONRenderer()
        tail: list[Processor] = [structlog.processors.format_exc_info, redact_event]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        tail = [redact_event]

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _drop_color_message],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *tail,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    handler.set_name("hubspot-actions")
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error", "dramatiq"):
        # uvicorn installs its own handlers; route its records to ours instead.
        lib = logging.getLogger(name)
        lib.handlers.clear()
        lib.propagate = True


def _drop_color_message(logger: Any, method: str, event: EventDict) -> EventDict:
    """uvicorn puts an ANSI-coloured copy of each message in ``color_message``: noise."""
    event.pop("color_message", None)
    return event


class _ComponentAdder:
    """Adds ``component`` (web, worker, scheduler, sandbox, cli) to every event."""

    def __init__(self, component: str) -> None:
        self.component = component

    def __call__(self, logger: Any, method: str, event: EventDict) -> EventDict:
        event.setdefault("component", self.component)
        return event


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """The project's logger factory: ``log = get_logger(__name__)`` at module level is cheap."""
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
