"""The ingest service: every channel in, one normalised interaction out."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.ingest.db import messaging, metadata
from services.ingest.interactions.consumers import CONSUMERS
from services.ingest.interactions.endpoints import router as interactions_router
from services.ingest.settings import IngestSettings
from shared import Broker, ServiceDefinition

SERVICE = ServiceDefinition(
    name="ingest",
    title="Resonance ingest",
    port=8001,
    settings_class=IngestSettings,
    metadata=metadata,
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    routers=[interactions_router],
    consumers=CONSUMERS,
    workers=[],
)


def create_app(settings: IngestSettings | None = None, broker: Broker | None = None) -> FastAPI:
    """The app uvicorn serves (`--factory services.ingest.app:create_app`)."""
    return SERVICE.app(settings, broker)
