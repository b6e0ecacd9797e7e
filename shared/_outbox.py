"""Transactional outbox, idempotent-consumer inbox and dead-letter store, per service schema."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from ._logging import get_logger
from .contracts import Envelope

if TYPE_CHECKING:
    from alembic.operations import Operations

    from ._db import Database
    from ._messaging import Broker, OutgoingMessage

__all__ = ["MessagingTables", "OutboxRelay", "create_messaging_tables", "emit"]

log = get_logger("shared.outbox")

OUTBOX_WRITTEN = "resonance_outbox_written"


class MessagingTables:
    """The outbox, inbox and dead-letter tables inside one service's schema."""

    def __init__(self, metadata: sa.MetaData) -> None:
        self.outbox = sa.Table(
            "outbox",
            metadata,
            sa.Column("position", sa.BigInteger, sa.Identity(), primary_key=True),
            sa.Column("id", UUID(as_uuid=True), nullable=False, unique=True),
            sa.Column("type", sa.String(200), nullable=False),
            sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
            sa.Column("envelope", JSONB, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("published_at", sa.DateTime(timezone=True)),
            sa.Index("ix_outbox_unpublished", "position", postgresql_where="published_at IS NULL"),
        )
        self.inbox = sa.Table(
            "inbox",
            metadata,
            sa.Column("consumer", sa.String(200), primary_key=True),
            sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
            sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        )
        self.dead_letters = sa.Table(
            "dead_letters",
            metadata,
            sa.Column("id", UUID(as_uuid=True), primary_key=True),
            sa.Column("consumer", sa.String(200), nullable=False),
            sa.Column("event_id", sa.String(100)),
            sa.Column("type", sa.String(200)),
            sa.Column("tenant_id", UUID(as_uuid=True)),
            sa.Column("body", sa.LargeBinary, nullable=False),
            sa.Column("headers", JSONB, nullable=False),
            sa.Column("error", sa.Text, nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("replayed_at", sa.DateTime(timezone=True)),
        )


def create_messaging_tables(op: Operations, schema: str) -> None:
    """DDL of the messaging tables, for a service's first migration."""
    tables = MessagingTables(sa.MetaData(schema=schema))
    bind = op.get_bind()
    for table in (tables.outbox, tables.inbox, tables.dead_letters):
        table.create(bind)


async def emit(session: AsyncSession, tables: MessagingTables, *envelopes: Envelope[Any]) -> None:
    """Write events into the outbox inside the caller's transaction."""
    if not envelopes:
        return
    rows = [
        {
            "id": env.id,
            "type": env.type,
            "tenant_id": env.tenant_id,
            "envelope": env.model_dump(mode="json"),
            "created_at": env.occurred_at,
        }
        for env in envelopes
    ]
    await session.execute(tables.outbox.insert(), rows)
    session.info[OUTBOX_WRITTEN] = True


class OutboxRelay:
    """Publishes committed outbox rows in order, with confirms, then marks them sent."""

    def __init__(
        self,
        db: Database,
        broker: Broker,
        tables: MessagingTables,
        *,
        batch: int = 500,
        poll_interval: float = 1.0,
        keep_sent: timedelta = timedelta(hours=24),
    ) -> None:
        self._db = db
        self._broker = broker
        self._tables = tables
        self._batch = batch
        self._poll = poll_interval
        self._keep_sent = keep_sent
        self._wake = asyncio.Event()
        self.published = 0

    def wake(self) -> None:
        """Something was committed: relay now instead of at the next poll."""
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch; returns how many events went out."""
        from ._messaging import OutgoingMessage

        t = self._tables.outbox
        async with self._db.engine.begin() as conn:
            rows = (
                await conn.execute(
                    sa.select(t.c.position, t.c.id, t.c.type, t.c.envelope)
                    .where(t.c.published_at.is_(None))
                    .order_by(t.c.position)
                    .limit(self._batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            messages: list[OutgoingMessage] = [
                OutgoingMessage(
                    routing_key=row.type,
                    body=orjson.dumps(row.envelope),
                    message_id=str(row.id),
                    correlation_id=row.envelope.get("correlation_id"),
                )
                for row in rows
            ]
            await self._broker.publish(messages)
            await conn.execute(
                sa.update(t)
                .where(t.c.position.in_([r.position for r in rows]))
                .values(published_at=datetime.now(UTC))
            )
        self.published += len(rows)
        return len(rows)

    async def purge_sent(self) -> None:
        """Forget events published longer ago than the retention."""
        t = self._tables.outbox
        cutoff = datetime.now(UTC) - self._keep_sent
        async with self._db.engine.begin() as conn:
            await conn.execute(sa.delete(t).where(t.c.published_at < cutoff))

    async def run(self) -> None:
        """Relay until cancelled; survives broker and database outages by retrying."""
        backoff = 0.5
        loops = 0
        while True:
            try:
                sent = await self.relay_once()
                backoff = 0.5
                loops += 1
                if loops % 3600 == 0:
                    await self.purge_sent()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox.relay.failed", error=str(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if sent >= self._batch:
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
            except TimeoutError:
                pass
