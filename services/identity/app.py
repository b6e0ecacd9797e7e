"""The identity service: who is writing?"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.identity.customers.consumers import CONSUMERS
from services.identity.customers.endpoints import router as customers_router
from services.identity.db import messaging, metadata
from services.identity.imports.endpoints import router as imports_router

# Importing the models registers every table on the metadata.
from services.identity.jobs import models as _jobs_models  # noqa: F401
from services.identity.jobs.endpoints import router as jobs_router
from services.identity.jobs.service import job_reaper, jobs_resource
from services.identity.mentions.consumers import CONSUMERS as MENTION_CONSUMERS
from services.identity.resolution import models as _resolution_models  # noqa: F401
from services.identity.resolution.endpoints import router as resolution_router
from services.identity.resolution.service import master_size_counter
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
    # The import route comes before `/v1/customers/{customer_id}`.
    routers=[imports_router, customers_router, resolution_router, jobs_router],
    consumers=[*CONSUMERS, *MENTION_CONSUMERS],
    workers=[job_reaper, master_size_counter],
    resources=[jobs_resource],
)


def create_app(settings: IdentitySettings | None = None, broker: Broker | None = None) -> FastAPI:
    """The app uvicorn serves (`--factory services.identity.app:create_app`)."""
    return SERVICE.app(settings, broker)
