"""The consumer edge: idempotency through the inbox, one transaction per event, retries."""

from __future__ import annotations

import traceback
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ._db import Database
from ._logging import bind_context, clear_context, get_logger
from ._messaging import Outcome
from ._metrics import EVENTS_CONSUMED
from ._outbox import MessagingTables
from .contracts import Envelope, parse_envelope

__all__ = ["ConsumerSpec", "EventHandler", "process_message"]

log = get_logger("shared.consumer")

EventHandler = Callable[[AsyncSession, Envelope[Any]], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerSpec:
    """One consumer of a service: its name, the event types it binds and its handler."""

    name: str
    events: Sequence[str]
    handler: EventHandler
    prefetch: int | None = None


async def process_message(
    *,
    db: Database,
    tables: MessagingTables,
    service: str,
    spec: ConsumerSpec,
    body: bytes,
    headers: dict[str, Any],
    attempt: int,
    max_attempts: int,
    dead_letter: bool = True,
) -> Outcome:
    """Run the handler once for this event, exactly once in effect."""
    consumer = f"{service}.{spec.name}"
    try:
        envelope = parse_envelope(body)
    except (ValidationError, ValueError, KeyError, TypeError) as exc:
        log.error("consumer.event.invalid", consumer=consumer, error=str(exc)[:500])
        return await _dead_letter(db, tables, consumer, body, headers, None, repr(exc), attempt)
    bind_context(
        service=service,
        consumer=consumer,
        event_type=envelope.type,
        event_id=str(envelope.id),
        tenant_id=str(envelope.tenant_id),
        correlation_id=envelope.correlation_id,
    )
    try:
        async with db.session() as session:
            claimed = (
                await session.execute(
                    insert(tables.inbox)
                    .values(consumer=consumer, event_id=envelope.id, processed_at=datetime.now(UTC))
                    .on_conflict_do_nothing()
                    .returning(tables.inbox.c.event_id)
                )
            ).first()
            if claimed is None:
                EVENTS_CONSUMED.labels(service, spec.name, "duplicate").inc()
                log.debug("consumer.event.duplicate")
                return Outcome.ACK
            await spec.handler(session, envelope)
        EVENTS_CONSUMED.labels(service, spec.name, "ok").inc()
        return Outcome.ACK
    except Exception as exc:
        if not dead_letter:
            log.warning("consumer.event.replay_failed", error=str(exc)[:500])
            return Outcome.REJECT
        if attempt >= max_attempts:
            log.error("consumer.event.dead_lettered", attempt=attempt, error=str(exc)[:500])
            detail = "".join(traceback.format_exception(exc))[-4000:]
            return await _dead_letter(
                db, tables, consumer, body, headers, envelope, detail, attempt
            )
        log.warning("consumer.event.retry", attempt=attempt, error=str(exc)[:500])
        EVENTS_CONSUMED.labels(service, spec.name, "retry").inc()
        return Outcome.RETRY
    finally:
        clear_context()


async def _dead_letter(
    db: Database,
    tables: MessagingTables,
    consumer: str,
    body: bytes,
    headers: dict[str, Any],
    envelope: Envelope[Any] | None,
    error: str,
    attempt: int,
) -> Outcome:
    service, _, name = consumer.partition(".")
    EVENTS_CONSUMED.labels(service, name, "dead").inc()
    try:
        async with db.session() as session:
            await session.execute(
                sa.insert(tables.dead_letters).values(
                    id=uuid.uuid4(),
                    consumer=consumer,
                    event_id=str(envelope.id) if envelope else None,
                    type=envelope.type if envelope else None,
                    tenant_id=envelope.tenant_id if envelope else None,
                    body=body,
                    headers=orjson.loads(orjson.dumps(headers, default=str)),
                    error=error,
                    attempts=attempt,
                    created_at=datetime.now(UTC),
                )
            )
        return Outcome.ACK
    except Exception:
        # Keep the message: the broker's own dead-letter queue takes it.
        log.exception("consumer.dead_letter.store_failed", consumer=consumer)
        return Outcome.REJECT
