"""Running one service's event handlers directly against a database of its own, so the order
in which events arrive is the test's to choose (real PostgreSQL, no worker)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from shared import Database, EventHandler, ServiceDefinition
from shared.contracts import Envelope, EventPayload


@asynccontextmanager
async def migrated(url: str, service: ServiceDefinition) -> AsyncIterator[Database]:
    """The service's schema, migrated, in the database at `url`."""
    database = Database(url, schema=service.name)
    await database.migrate(service.migrations)
    try:
        yield database
    finally:
        await database.dispose()


def event(tenant_id: uuid.UUID, payload: EventPayload) -> Envelope[Any]:
    return Envelope.wrap(payload, source="test", tenant_id=tenant_id)


async def deliver(db: Database, handler: EventHandler, delivered: Envelope[Any]) -> None:
    """One delivery: the handler in a transaction of its own, committed as the consumer does."""
    async with db.session() as session:
        await handler(session, delivered)
