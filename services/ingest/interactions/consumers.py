"""Keeps each interaction's view of what identity, scoring, routing and sla decided."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.ingest.db import erasures
from services.ingest.interactions import repository
from shared import ConsumerSpec, get_logger
from shared.contracts import (
    CustomerErasedV1,
    CustomerMergedV1,
    CustomerUnmergedV1,
    Envelope,
    IncidentDetectedV1,
    InteractionIdentifiedV1,
    InteractionRoutedV1,
    InteractionScoredV1,
    SlaBreachedV1,
    SlaTimerStartedV1,
    SlaTimerStoppedV1,
    SlaWarningV1,
)

log = get_logger("ingest.interactions")


async def on_identified(session: AsyncSession, event: Envelope[Any]) -> None:
    """Who wrote the interaction. Identified as a customer erased since, it was theirs and is
    erased as theirs: it was not linked to them when the erasure ran, so it escaped it."""
    p: InteractionIdentifiedV1 = event.payload
    tenant_id, customer_id = event.tenant_id, p.customer_id
    if await erasures.erased_among(session, tenant_id=tenant_id, customer_ids=[customer_id]):
        log.info("ingest.customer.erased_skipped", interaction_id=str(p.interaction_id))
        await repository.erase_interactions(
            session, tenant_id=tenant_id, interaction_ids=[p.interaction_id]
        )
        customer_id = None
    await repository.project(
        session,
        tenant_id=tenant_id,
        interaction_id=p.interaction_id,
        values={
            "customer_id": customer_id,
            "match": {
                "decision": p.decision,
                "probability": p.probability,
                "explanation": [e.model_dump() for e in p.explanation],
            },
        },
        status="identified",
    )


async def on_scored(session: AsyncSession, event: Envelope[Any]) -> None:
    p: InteractionScoredV1 = event.payload
    await repository.project(
        session,
        tenant_id=event.tenant_id,
        interaction_id=p.interaction_id,
        values={
            "score": {
                "social_customer_score": p.social_customer_score,
                "value_score": p.value_score,
                "influence_score": p.influence_score,
                "components": [c.model_dump() for c in p.components],
            },
            "risk": p.risk.model_dump(),
        },
        status="scored",
    )


async def on_routed(session: AsyncSession, event: Envelope[Any]) -> None:
    p: InteractionRoutedV1 = event.payload
    await repository.project(
        session,
        tenant_id=event.tenant_id,
        interaction_id=p.interaction_id,
        values={
            "queue_id": p.queue_id,
            "priority": p.priority,
            "routing": {"reasons": p.reasons, "recommendations": p.recommendations},
        },
        status="routed",
    )


async def on_sla(session: AsyncSession, event: Envelope[Any]) -> None:
    p = event.payload
    timer: dict[str, Any] = {"timer_id": str(p.timer_id), "metric": p.metric}
    if isinstance(p, SlaTimerStartedV1):
        timer |= {
            "state": "running",
            "policy": p.policy,
            "started_at": p.started_at.isoformat(),
            "due_at": p.due_at.isoformat(),
        }
    elif isinstance(p, SlaWarningV1):
        timer |= {"state": "warning", "due_at": p.due_at.isoformat()}
    elif isinstance(p, SlaBreachedV1):
        timer |= {"state": "breached", "breached_at": p.breached_at.isoformat()}
    elif isinstance(p, SlaTimerStoppedV1):
        timer |= {"state": "met" if p.met else "missed", "stopped_at": p.stopped_at.isoformat()}
    await repository.merge_sla(
        session, tenant_id=event.tenant_id, interaction_id=p.interaction_id, timer=timer
    )


async def on_customer_erased(session: AsyncSession, event: Envelope[Any]) -> None:
    """GDPR erasure of the customer's interactions; a tombstone (ids and time) keeps a late
    identification, merge or unmerge from linking interactions to them again."""
    p: CustomerErasedV1 = event.payload
    await forget_customer(session, tenant_id=event.tenant_id, customer_id=p.customer_id)


async def forget_customer(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> None:
    await erasures.record(session, tenant_id=tenant_id, customer_id=customer_id)
    await repository.erase_customer(session, tenant_id=tenant_id, customer_id=customer_id)


async def on_customer_merged(session: AsyncSession, event: Envelope[Any]) -> None:
    """The merged customer's interactions follow the survivor. Merged into somebody erased
    since, the merged customer is that person too (identity erases them with the survivor)."""
    p: CustomerMergedV1 = event.payload
    tenant_id = event.tenant_id
    erased = await erasures.erased_among(
        session, tenant_id=tenant_id, customer_ids=[p.survivor_id, p.merged_id]
    )
    if p.survivor_id in erased:
        await forget_customer(session, tenant_id=tenant_id, customer_id=p.merged_id)
        return
    await repository.reassign_customer(
        session, tenant_id=tenant_id, from_customer=p.merged_id, to_customer=p.survivor_id
    )


async def on_customer_unmerged(session: AsyncSession, event: Envelope[Any]) -> None:
    """Undoing a merge gives the restored customer its interactions back; restored to somebody
    erased since, those interactions are erased as theirs instead."""
    p: CustomerUnmergedV1 = event.payload
    if not p.interaction_ids:
        return
    tenant_id, interaction_ids = event.tenant_id, list(p.interaction_ids)
    erased = await erasures.erased_among(
        session, tenant_id=tenant_id, customer_ids=[p.survivor_id, p.restored_id]
    )
    if p.restored_id in erased:
        await repository.erase_interactions(
            session, tenant_id=tenant_id, interaction_ids=interaction_ids
        )
        return
    await repository.reassign_customer(
        session, tenant_id=tenant_id, interaction_ids=interaction_ids, to_customer=p.restored_id
    )


async def on_incident(session: AsyncSession, event: Envelope[Any]) -> None:
    """Interactions about the same incident carry its id (one public answer for many)."""
    p: IncidentDetectedV1 = event.payload
    await repository.link_incident(
        session,
        tenant_id=event.tenant_id,
        incident_id=p.incident_id,
        interaction_ids=list(p.interaction_ids),
    )


CONSUMERS = [
    ConsumerSpec("identified", [InteractionIdentifiedV1.event_type], on_identified),
    ConsumerSpec("scored", [InteractionScoredV1.event_type], on_scored),
    ConsumerSpec("routed", [InteractionRoutedV1.event_type], on_routed),
    ConsumerSpec(
        "sla",
        [
            SlaTimerStartedV1.event_type,
            SlaWarningV1.event_type,
            SlaBreachedV1.event_type,
            SlaTimerStoppedV1.event_type,
        ],
        on_sla,
    ),
    ConsumerSpec("erasure", [CustomerErasedV1.event_type], on_customer_erased),
    ConsumerSpec("merges", [CustomerMergedV1.event_type], on_customer_merged),
    ConsumerSpec("incidents", [IncidentDetectedV1.event_type], on_incident),
    ConsumerSpec("unmerges", [CustomerUnmergedV1.event_type], on_customer_unmerged),
]
