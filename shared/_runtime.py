"""A service's runtime: database, broker, outbox relay, consumers and background workers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from ._consumer import ConsumerSpec, process_message
from ._db import Database
from ._dead_letters import dead_letter_router
from ._http import (
    RequestContextMiddleware,
    add_operational_routes,
    install_problem_handlers,
)
from ._logging import configure_logging, get_logger
from ._messaging import Broker, MemoryBroker, Outcome, RabbitBroker
from ._metrics import EVENTS_PUBLISHED
from ._outbox import OUTBOX_WRITTEN, MessagingTables, OutboxRelay
from ._settings import ServiceSettings

__all__ = ["Resource", "ServiceRuntime", "Worker"]

log = get_logger("shared.runtime")

Worker = Callable[["ServiceRuntime"], Awaitable[None]]
# Entered when the service starts and left when it stops (pools, caches, clients).
Resource = Callable[["ServiceRuntime"], AbstractAsyncContextManager[None]]


class ServiceRuntime:
    """Everything a service process runs besides its routes; owned by the app's lifespan."""

    def __init__(
        self,
        *,
        name: str,
        settings: ServiceSettings,
        metadata: MetaData,
        tables: MessagingTables,
        migrations: Path,
        consumers: Sequence[ConsumerSpec] = (),
        workers: Sequence[Worker] = (),
        resources: Sequence[Resource] = (),
        broker: Broker | None = None,
        migrate_on_startup: bool = True,
    ) -> None:
        self.name = name
        self.settings = settings
        self.metadata = metadata
        self.tables = tables
        self.migrations = migrations
        self.consumers = list(consumers)
        self.workers = list(workers)
        self.resources = list(resources)
        self._exit_stack = AsyncExitStack()
        self.migrate_on_startup = migrate_on_startup
        self.db = Database(
            settings.database_url,
            schema=metadata.schema or name,
            pool_size=settings.database_pool_size,
        )
        self._owns_broker = broker is None
        self.broker: Broker = broker or self._make_broker(settings)
        self.relay = OutboxRelay(self.db, self.broker, tables, batch=settings.outbox_batch)
        self.db.on_commit(self._wake_relay)
        self._tasks: list[asyncio.Task[None]] = []
        # Consumers share the pool's base size; the overflow stays free for HTTP requests.
        self._handler_slots = asyncio.Semaphore(settings.database_pool_size)
        self.state: dict[str, Any] = {}

    @staticmethod
    def _make_broker(settings: ServiceSettings) -> Broker:
        if settings.transport == "memory":
            return MemoryBroker(retry_delays_ms=settings.retry_delays_ms)
        return RabbitBroker(
            settings.amqp_url,
            exchange=settings.exchange,
            retry_delays_ms=settings.retry_delays_ms,
            delivery_limit=settings.max_attempts * 2,
        )

    def _wake_relay(self, session: AsyncSession) -> None:
        if session.info.pop(OUTBOX_WRITTEN, False):
            self.relay.wake()

    async def migrate(self) -> None:
        """Apply this service's migrations."""
        await self.db.migrate(self.migrations)

    async def start(self) -> None:
        """Migrate (if asked), connect, start consumers, the relay and the workers."""
        configure_logging(
            level=self.settings.log_level,
            json=self.settings.log_json
            if self.settings.log_json is not None
            else self.settings.environment != "development",
        )
        if self.migrate_on_startup:
            await self.migrate()
        if self._owns_broker:
            await self.broker.start()
        for resource in self.resources:
            await self._exit_stack.enter_async_context(resource(self))
        for spec in self.consumers:
            handler = functools.partial(self._handle, spec)
            await self.broker.consume(
                f"{self.name}.{spec.name}",
                spec.events,
                handler,
                prefetch=spec.prefetch or self.settings.prefetch,
            )
        self._spawn("outbox-relay", self._run_relay())
        for worker in self.workers:
            self._spawn(getattr(worker, "__name__", "worker"), worker(self))
        # Everything loaded at start-up (models, tables, caches) lives for the whole process:
        # keep it out of the garbage collector's work so request latency stays flat.
        gc.collect()
        gc.freeze()
        log.info("service.started", service=self.name, consumers=len(self.consumers))

    async def _run_relay(self) -> None:
        before = 0
        relay = self.relay

        async def count() -> None:
            nonlocal before
            while True:
                await asyncio.sleep(1)
                EVENTS_PUBLISHED.labels(self.name).inc(relay.published - before)
                before = relay.published

        counter = asyncio.create_task(count())
        try:
            await relay.run()
        finally:
            counter.cancel()

    def _spawn(self, name: str, coro: Awaitable[None]) -> None:
        async def guarded() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("service.worker.crashed", worker=name)

        self._tasks.append(asyncio.create_task(guarded(), name=f"{self.name}:{name}"))

    async def _handle(
        self, spec: ConsumerSpec, body: bytes, headers: dict[str, Any], attempt: int
    ) -> Outcome:
        async with self._handler_slots:
            return await self._process(spec, body, headers, attempt)

    async def _process(
        self, spec: ConsumerSpec, body: bytes, headers: dict[str, Any], attempt: int
    ) -> Outcome:
        return await process_message(
            db=self.db,
            tables=self.tables,
            service=self.name,
            spec=spec,
            body=body,
            headers=headers,
            attempt=attempt,
            max_attempts=self.settings.max_attempts,
        )

    async def stop(self) -> None:
        """Stop workers, then close the broker (if owned) and the database pool."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self._exit_stack.aclose()
        if self._owns_broker:
            await self.broker.close()
        await self.db.dispose()

    async def readiness(self) -> dict[str, bool]:
        """Is the database reachable, is the broker connected."""
        db_ok, broker_ok = await asyncio.gather(self.db.ping(), self.broker.ping())
        return {"database": db_ok, "broker": broker_ok}

    def create_app(
        self, *, title: str, routers: Sequence[APIRouter] = (), default_docs: bool = True
    ) -> FastAPI:
        """The service's FastAPI app with the shared edge installed."""

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        docs = {} if default_docs else {"openapi_url": None, "docs_url": None, "redoc_url": None}
        app = FastAPI(title=title, lifespan=lifespan, **docs)  # type: ignore[arg-type]
        app.state.runtime = self
        install_problem_handlers(app)
        add_operational_routes(app, self)
        app.include_router(dead_letter_router)
        for router in routers:
            app.include_router(router)
        app.add_middleware(
            RequestContextMiddleware,
            service=self.name,
            max_body_bytes=self.settings.max_body_bytes,
            upload_limits={p: self.settings.max_upload_bytes for p in self.settings.upload_paths},
        )
        return app
