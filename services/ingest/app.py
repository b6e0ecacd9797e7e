"""The ingest service: every channel in, one normalised interaction out."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.ingest.db import messaging, metadata
from services.ingest.interactions.consumers import CONSUMERS
from services.ingest.interactions.endpoints import router as interactions_router
from services.ingest.settings import IngestSettings
from shared import Broker, ServiceRuntime

NAME = "ingest"
PORT = 8001


def create_runtime(settings: IngestSettings | None = None, broker: Broker | None = None) -> ServiceRuntime:
    return ServiceRuntime(
        name=NAME,
        settings=settings or IngestSettings(),
        metadata=metadata,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        consumers=CONSUMERS,
        broker=broker,
    )


def create_app(settings: IngestSettings | None = None, broker: Broker | None = None) -> FastAPI:
    runtime = create_runtime(settings, broker)
    return runtime.create_app(title="Resonance ingest", routers=[interactions_router])
