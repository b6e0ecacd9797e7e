"""The delivery contract, run over both transports: RabbitMQ and the in-memory broker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from shared import (
    ConsumerSpec,
    Database,
    MemoryBroker,
    MessagingTables,
    OutboxRelay,
    RabbitBroker,
    emit,
    make_metadata,
)
from shared._consumer import process_message
from shared.contracts import Envelope, InteractionResolvedV1

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


class Harness:
    def __init__(self, db: Database, broker: Any, tables: MessagingTables) -> None:
        self.db = db
        self.broker = broker
        self.tables = tables
        self.relay = OutboxRelay(db, broker, tables, poll_interval=0.05)
        self.db.on_commit(lambda s: self.relay.wake())
        self.calls: list[uuid.UUID] = []

    async def subscribe(self, name: str, handler: Any, *, max_attempts: int = 3) -> None:
        spec = ConsumerSpec(name, [InteractionResolvedV1.event_type], handler)

        async def on_message(body: bytes, headers: dict[str, Any], attempt: int) -> Any:
            return await process_message(
                db=self.db,
                tables=self.tables,
                service="msgtest",
                spec=spec,
                body=body,
                headers=headers,
                attempt=attempt,
                max_attempts=max_attempts,
            )

        await self.broker.consume(f"msgtest.{name}", spec.events, on_message, prefetch=10)

    async def publish_in_transaction(self, *, commit: bool) -> Envelope[Any]:
        env = Envelope.wrap(
            InteractionResolvedV1(interaction_id=uuid.uuid4(), resolved_at=datetime.now(UTC)),
            source="test",
            tenant_id=uuid.uuid4(),
        )

        class Rollback(Exception):
            pass

        try:
            async with self.db.session() as session:
                await emit(session, self.tables, env)
                if not commit:
                    raise Rollback
        except Rollback:
            pass
        return env

    async def dead_letters(self) -> list[Any]:
        async with self.db.session() as session:
            return list((await session.execute(sa.select(self.tables.dead_letters))).all())


@pytest.fixture(params=["memory", "rabbitmq"])
async def harness(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[Harness]:
    schema = f"msgtest_{uuid.uuid4().hex[:8]}"
    metadata = make_metadata(schema)
    tables = MessagingTables(metadata)
    db = Database(database_url, schema=schema, pool_size=5)
    async with db.engine.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    exchange = f"resonance-test-{uuid.uuid4().hex[:8]}"
    if request.param == "memory":
        broker: Any = MemoryBroker(retry_delays_ms=(50, 100))
    else:
        broker = RabbitBroker(AMQP_URL, exchange=exchange, retry_delays_ms=(50, 100))
    await broker.start()
    h = Harness(db, broker, tables)
    relay_task = asyncio.create_task(h.relay.run())
    try:
        yield h
    finally:
        relay_task.cancel()
        await asyncio.gather(relay_task, return_exceptions=True)
        if isinstance(broker, RabbitBroker):
            await _delete_topology(exchange)
        await broker.close()
        async with db.engine.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        await db.dispose()


async def _delete_topology(exchange: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        for name in ("ok", "flaky", "broken", "dup", "a", "b"):
            base = f"{exchange}.msgtest.{name}"
            for queue in (base, f"{base}.dlq", f"{base}.retry.50", f"{base}.retry.100"):
                await channel.queue_delete(queue)
        await channel.queue_delete(f"{exchange}.unrouted")
        await channel.exchange_delete(exchange)
        await channel.exchange_delete(f"{exchange}.unrouted")


async def test_committed_event_reaches_every_consumer_once(
    harness: Harness, eventually: Any
) -> None:
    seen: dict[str, list[uuid.UUID]] = {"a": [], "b": []}

    def handler(name: str) -> Any:
        async def handle(session: Any, event: Envelope[Any]) -> None:
            seen[name].append(event.id)

        return handle

    await harness.subscribe("a", handler("a"))
    await harness.subscribe("b", handler("b"))
    env = await harness.publish_in_transaction(commit=True)
    await eventually(lambda: _true(seen["a"] and seen["b"]))
    await asyncio.sleep(0.3)
    assert seen == {"a": [env.id], "b": [env.id]}


async def test_rolled_back_event_is_never_published(harness: Harness) -> None:
    seen: list[uuid.UUID] = []

    async def handle(session: Any, event: Envelope[Any]) -> None:
        seen.append(event.id)

    await harness.subscribe("ok", handle)
    await harness.publish_in_transaction(commit=False)
    await asyncio.sleep(0.5)
    assert seen == []
    async with harness.db.session() as session:
        assert (
            await session.execute(sa.select(sa.func.count()).select_from(harness.tables.outbox))
        ).scalar() == 0


async def test_failing_handler_is_retried_until_it_succeeds(
    harness: Harness, eventually: Any
) -> None:
    attempts: list[int] = []

    async def flaky(session: Any, event: Envelope[Any]) -> None:
        attempts.append(1)
        if len(attempts) < 3:
            raise RuntimeError("temporary failure")

    await harness.subscribe("flaky", flaky, max_attempts=5)
    await harness.publish_in_transaction(commit=True)
    await eventually(lambda: _true(len(attempts) >= 3))
    await asyncio.sleep(0.3)
    assert len(attempts) == 3
    assert await harness.dead_letters() == []


async def test_event_that_always_fails_ends_as_a_dead_letter(
    harness: Harness, eventually: Any
) -> None:
    async def broken(session: Any, event: Envelope[Any]) -> None:
        raise ValueError("cannot handle this")

    await harness.subscribe("broken", broken, max_attempts=3)
    env = await harness.publish_in_transaction(commit=True)
    rows = await eventually(harness.dead_letters)
    assert len(rows) == 1
    assert rows[0].event_id == str(env.id)
    assert rows[0].attempts == 3
    assert "cannot handle this" in rows[0].error


async def test_redelivered_event_changes_nothing(harness: Harness, eventually: Any) -> None:
    applied: list[uuid.UUID] = []

    async def handle(session: Any, event: Envelope[Any]) -> None:
        applied.append(event.id)

    await harness.subscribe("dup", handle)
    env = await harness.publish_in_transaction(commit=True)
    await eventually(lambda: _true(applied))
    # The broker delivers the same message again (e.g. after a lost ack).
    from shared import OutgoingMessage

    await harness.broker.publish(
        [
            OutgoingMessage(
                routing_key=env.type, body=env.model_dump_json().encode(), message_id=str(env.id)
            )
        ]
    )
    await asyncio.sleep(0.5)
    assert applied == [env.id]


async def _true(value: Any) -> bool:
    return bool(value)
