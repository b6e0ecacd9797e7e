"""The identity service: who is writing?"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.identity.customers.consumers import CONSUMERS
from services.identity.customers.endpoints import router as customers_router
from services.identity.db import messaging, metadata
from services.identity.settings import IdentitySettings
from shared import Broker, ServiceDefinition

SERVICE = ServiceDefinition(
    name="identity",
    title="Resonance identity",
    port=8002,
    settings_class=IdentitySettings,
    metadata=metadata,
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    routers=[customers_router],
    consumers=CONSUMERS,
    workers=[],
)


def create_app(settings: IdentitySettings | None = None, broker: Broker | None = None) -> FastAPI:
    """The app uvicorn serves (`--factory services.identity.app:create_app`)."""
    return SERVICE.app(settings, broker)
