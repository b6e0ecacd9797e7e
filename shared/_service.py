"""A service's definition: everything needed to build its runtime, app and command line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData

from ._consumer import ConsumerSpec
from ._messaging import Broker
from ._outbox import MessagingTables
from ._runtime import Resource, ServiceRuntime, Worker
from ._settings import ServiceSettings

__all__ = ["ServiceDefinition"]


@dataclass(frozen=True)
class ServiceDefinition:
    """What a service is made of; `app()` and `runtime()` build it the same way everywhere."""

    name: str
    title: str
    port: int
    settings_class: type[ServiceSettings]
    metadata: MetaData
    tables: MessagingTables
    migrations: Path
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[ConsumerSpec] = ()
    workers: Sequence[Worker] = ()
    resources: Sequence[Resource] = ()
    default_docs: bool = True  # False when the service serves its own /openapi.json

    def runtime(
        self, settings: ServiceSettings | None = None, broker: Broker | None = None
    ) -> ServiceRuntime:
        """The runtime (database, broker, relay, consumers, workers)."""
        return ServiceRuntime(
            name=self.name,
            settings=settings or self.settings_class(),
            metadata=self.metadata,
            tables=self.tables,
            migrations=self.migrations,
            consumers=self.consumers,
            workers=self.workers,
            resources=self.resources,
            broker=broker,
        )

    def app(self, settings: ServiceSettings | None = None, broker: Broker | None = None) -> FastAPI:
        """The FastAPI app; its lifespan starts and stops the runtime."""
        runtime = self.runtime(settings, broker)
        return runtime.create_app(
            title=self.title, routers=self.routers, default_docs=self.default_docs
        )
