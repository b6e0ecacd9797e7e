"""The identity service: who is writing?"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.identity.customers.consumers import CONSUMERS
from services.identity.customers.endpoints import router as customers_router
from services.identity.db import messaging, metadata
from services.identity.settings import IdentitySettings
from shared import Broker, ServiceRuntime

NAME = "identity"
PORT = 8002


def create_runtime(
    settings: IdentitySettings | None = None, broker: Broker | None = None
) -> ServiceRuntime:
    return ServiceRuntime(
        name=NAME,
        settings=settings or IdentitySettings(),
        metadata=metadata,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        consumers=CONSUMERS,
        broker=broker,
    )


def create_app(settings: IdentitySettings | None = None, broker: Broker | None = None) -> FastAPI:
    return create_runtime(settings, broker).create_app(
        title="Resonance identity", routers=[customers_router]
    )
