"""The ingest service: every channel in, one normalised interaction out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.ingest.channels.endpoints import router as channels_router
from services.ingest.db import messaging, metadata
from services.ingest.extraction import warm_up
from services.ingest.feeds.endpoints import router as feeds_router
from services.ingest.feeds.service import feed_poller
from services.ingest.interactions.consumers import CONSUMERS
from services.ingest.interactions.endpoints import router as interactions_router
from services.ingest.settings import IngestSettings
from services.ingest.tenant_settings.endpoints import router as settings_router
from shared import Broker, ServiceDefinition, ServiceRuntime


@asynccontextmanager
async def models_loaded(runtime: ServiceRuntime) -> AsyncIterator[None]:
    """Load the language, sentiment and sentence models before the first message, off the loop."""
    await asyncio.to_thread(warm_up)
    yield


SERVICE = ServiceDefinition(
    name="ingest",
    title="Resonance ingest",
    port=8001,
    settings_class=IngestSettings,
    metadata=metadata,
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    routers=[interactions_router, channels_router, feeds_router, settings_router],
    consumers=CONSUMERS,
    workers=[feed_poller],
    resources=[models_loaded],
)


def create_app(settings: IngestSettings | None = None, broker: Broker | None = None) -> FastAPI:
    """The app uvicorn serves (`--factory services.ingest.app:create_app`)."""
    return SERVICE.app(settings, broker)
