"""structlog configured once: contextvars merged, JSON in production, console in development."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

__all__ = ["bind_context", "clear_context", "configure_logging", "get_logger"]

_configured = False


def configure_logging(*, level: str = "INFO", json: bool = True) -> None:
    """Configure structlog and the stdlib root logger (idempotent)."""
    global _configured
    if _configured:
        return
    _configured = True
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(name)s %(message)s")
    for noisy in ("aiormq", "aio_pika", "uvicorn.access", "alembic", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str | None = None) -> Any:
    """A structlog logger."""
    return structlog.get_logger(name)


def bind_context(**values: Any) -> None:
    """Bind values (correlation_id, tenant_id, service) to every log line of this task."""
    structlog.contextvars.bind_contextvars(**values)


def clear_context() -> None:
    """Forget the bound context (end of a request or message)."""
    structlog.contextvars.clear_contextvars()
