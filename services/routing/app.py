"""The routing service: queues, priorities and recommendations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.routing.db import messaging, metadata
from services.routing.queues.consumers import CONSUMERS
from services.routing.queues.endpoints import router as queues_router
from services.routing.settings import RoutingSettings
from shared import Broker, ServiceDefinition

SERVICE = ServiceDefinition(
    name="routing",
    title="Resonance routing",
    port=8004,
    settings_class=RoutingSettings,
    metadata=metadata,
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    routers=[queues_router],
    consumers=CONSUMERS,
    workers=[],
)


def create_app(settings: RoutingSettings | None = None, broker: Broker | None = None) -> FastAPI:
    """The app uvicorn serves (`--factory services.routing.app:create_app`)."""
    return SERVICE.app(settings, broker)
