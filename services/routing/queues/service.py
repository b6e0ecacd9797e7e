"""Routing interactions into queues and keeping each queue's waiting work up to date."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.db import erasures, messaging
from services.routing.queues import repository
from services.routing.queues.models import Queue
from services.routing.queues.priority import decide
from services.routing.queues.schemas import QueueCreate
from shared import Conflict, NotFound, emit, get_logger
from shared.contracts import (
    CustomerErasedV1,
    Envelope,
    InteractionResolvedV1,
    InteractionRespondedV1,
    InteractionRoutedV1,
    InteractionScoredV1,
    SlaTimerStartedV1,
)

SOURCE = "resonance/routing"

log = get_logger("routing.queues")


async def create_queue(session: AsyncSession, *, tenant_id: uuid.UUID, data: QueueCreate) -> Queue:
    queue = Queue(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        name=data.name,
        description=data.description,
        is_default=data.is_default,
        created_at=datetime.now(UTC),
    )
    if not await repository.add_queue(session, queue):
        raise Conflict(f"A queue named {data.name!r} (or another default queue) exists already.")
    return queue


async def get_queue(session: AsyncSession, *, tenant_id: uuid.UUID, queue_id: uuid.UUID) -> Queue:
    queue = await repository.get_queue(session, tenant_id=tenant_id, queue_id=queue_id)
    if queue is None:
        raise NotFound(f"Queue {queue_id} does not exist.")
    return queue


async def route_interaction(session: AsyncSession, event: Envelope[Any]) -> None:
    """Put a scored interaction into its queue with a priority and recommendations.

    Scored before its customer's erasure and delivered after it, the item is kept as the
    erasure leaves items: its place and priority, neither its customer nor its author, its
    thread or its text's similarity key; the page's messages in its private thread lose theirs.
    """
    p: InteractionScoredV1 = event.payload
    customer_id, facts = p.customer_id, p.facts.model_dump(mode="json")
    if await erasures.erased_among(session, tenant_id=event.tenant_id, customer_ids=[customer_id]):
        log.info("routing.customer.erased_skipped", interaction_id=str(p.interaction_id))
        customer_id, facts = None, {**facts, **repository.ERASED_FACTS}
        if p.facts.visibility == "private" and p.facts.thread_key is not None:
            # Its thread is the person's too, and what the page sent them in it is erased as
            # the erasure erases it (the erasure could not see this thread).
            await repository.erase_sent_in_thread(
                session,
                tenant_id=event.tenant_id,
                channel=p.facts.channel,
                thread_key=p.facts.thread_key,
            )
    queue = await repository.default_queue(session, tenant_id=event.tenant_id)
    decision = decide(p)
    await repository.upsert_item(
        session,
        tenant_id=event.tenant_id,
        interaction_id=p.interaction_id,
        values={
            "queue_id": queue.id,
            "state": "waiting",
            "priority": decision.priority,
            "reasons": decision.reasons,
            "recommendations": decision.recommendations,
            "channel": p.facts.channel,
            "customer_id": customer_id,
            "facts": facts,
        },
    )
    await emit(
        session,
        messaging,
        Envelope.wrap(
            InteractionRoutedV1(
                interaction_id=p.interaction_id,
                queue_id=queue.id,
                priority=decision.priority,
                reasons=decision.reasons,
                recommendations=decision.recommendations,
            ),
            source=SOURCE,
            tenant_id=event.tenant_id,
            causation=event,
        ),
    )


async def track_deadline(session: AsyncSession, event: Envelope[Any]) -> None:
    p: SlaTimerStartedV1 = event.payload
    if p.metric == "first_response":
        await repository.upsert_item(
            session,
            tenant_id=event.tenant_id,
            interaction_id=p.interaction_id,
            values={"due_at": p.due_at},
        )


async def erase_customer(session: AsyncSession, event: Envelope[Any]) -> None:
    """`customer.erased.v1`: the author's claims and the customer link leave routing's items,
    the thread the page's messages in their private threads; a tombstone (ids and time) keeps
    a late scored interaction from bringing them back."""
    p: CustomerErasedV1 = event.payload
    await erasures.record(session, tenant_id=event.tenant_id, customer_id=p.customer_id)
    await repository.erase_customer(session, tenant_id=event.tenant_id, customer_id=p.customer_id)


async def track_progress(session: AsyncSession, event: Envelope[Any]) -> None:
    p = event.payload
    state = "done" if isinstance(p, InteractionResolvedV1) else "responded"
    await repository.upsert_item(
        session, tenant_id=event.tenant_id, interaction_id=p.interaction_id, values={"state": state}
    )


PROGRESS_EVENTS = [InteractionRespondedV1.event_type, InteractionResolvedV1.event_type]
