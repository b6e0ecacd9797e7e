"""The sla service: service-level timers, warnings and breaches."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.sla.db import messaging, metadata
from services.sla.settings import SlaSettings
from services.sla.timers.consumers import CONSUMERS
from services.sla.timers.endpoints import router as timers_router
from services.sla.timers.service import breach_scanner
from shared import Broker, ServiceDefinition

SERVICE = ServiceDefinition(
    name="sla",
    title="Resonance sla",
    port=8005,
    settings_class=SlaSettings,
    metadata=metadata,
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    routers=[timers_router],
    consumers=CONSUMERS,
    workers=[breach_scanner],
)


def create_app(settings: SlaSettings | None = None, broker: Broker | None = None) -> FastAPI:
    """The app uvicorn serves (`--factory services.sla.app:create_app`)."""
    return SERVICE.app(settings, broker)
