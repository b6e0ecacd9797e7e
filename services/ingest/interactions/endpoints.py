"""Interaction routes (reached through the gateway)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from services.ingest.interactions import repository, service
from services.ingest.interactions.schemas import (
    Accepted,
    BatchCreate,
    BatchResult,
    Interaction,
    InteractionCreate,
    ResponseCreate,
    ResponseOut,
    Status,
)
from shared import (
    PROBLEM_RESPONSES,
    ActorDep,
    CorrelationDep,
    Page,
    SessionDep,
    TenantDep,
    decode_cursor,
    encode_cursor,
)
from shared.contracts._events import Channel

router = APIRouter(prefix="/v1/interactions", tags=["interactions"], responses=PROBLEM_RESPONSES)


async def _out(session: AsyncSession, tenant_id: uuid.UUID, rows: list[Any]) -> list[Interaction]:
    """Interactions as the API shows them, each with the agents' replies (one query)."""
    replies = await repository.responses_of(
        session, tenant_id=tenant_id, interaction_ids=[row.id for row in rows]
    )
    out = []
    for row in rows:
        shown = Interaction.model_validate(row)
        shown.recommendations = (getattr(row, "routing", None) or {}).get("recommendations", [])
        shown.responses = [
            ResponseOut.model_validate(reply).model_copy(update={"first": n == 0})
            for n, reply in enumerate(replies.get(row.id, []))
        ]
        out.append(shown)
    return out


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
async def create_interaction(
    data: InteractionCreate,
    session: SessionDep,
    tenant_id: TenantDep,
    correlation_id: CorrelationDep,
) -> Accepted:
    """Take one normalised interaction; a replay of the same external id returns the first."""
    return await service.receive(
        session, tenant_id=tenant_id, data=data, correlation_id=correlation_id
    )


@router.post("/batch", status_code=status.HTTP_202_ACCEPTED, response_model=BatchResult)
async def create_interactions(
    data: BatchCreate, session: SessionDep, tenant_id: TenantDep, correlation_id: CorrelationDep
) -> BatchResult:
    """Up to 1,000 interactions; a result per item."""
    return await service.receive_batch(
        session, tenant_id=tenant_id, items=data.items, correlation_id=correlation_id
    )


@router.get("", response_model=Page[Interaction])
async def list_interactions(
    session: SessionDep,
    tenant_id: TenantDep,
    customer_id: uuid.UUID | None = None,
    status: Status | None = None,
    channel: Channel | None = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[Interaction]:
    after = decode_cursor(cursor)
    rows = await repository.list_page(
        session,
        tenant_id=tenant_id,
        customer_id=customer_id,
        status=status,
        channel=channel,
        since=since,
        after=(datetime.fromisoformat(after[0]), uuid.UUID(after[1])) if after else None,
        limit=limit + 1,
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1].received_at.isoformat(), str(rows[-1].id)])
    return Page[Interaction](items=await _out(session, tenant_id, rows), next_cursor=next_cursor)


@router.get("/{interaction_id}", response_model=Interaction)
async def get_interaction(
    interaction_id: uuid.UUID, session: SessionDep, tenant_id: TenantDep
) -> Interaction:
    row = await service.get(session, tenant_id=tenant_id, interaction_id=interaction_id)
    return (await _out(session, tenant_id, [row]))[0]


@router.post(
    "/{interaction_id}/responses", status_code=status.HTTP_201_CREATED, response_model=ResponseOut
)
async def respond(
    interaction_id: uuid.UUID,
    data: ResponseCreate,
    session: SessionDep,
    tenant_id: TenantDep,
    actor: ActorDep,
    correlation_id: CorrelationDep,
) -> ResponseOut:
    """An agent's reply; the first one stops the first-response clock."""
    return await service.respond(
        session,
        tenant_id=tenant_id,
        interaction_id=interaction_id,
        data=data,
        agent_id=actor,
        correlation_id=correlation_id,
    )


@router.post("/{interaction_id}/resolve", response_model=Interaction)
async def resolve(
    interaction_id: uuid.UUID,
    session: SessionDep,
    tenant_id: TenantDep,
    correlation_id: CorrelationDep,
) -> Interaction:
    row = await service.resolve(
        session, tenant_id=tenant_id, interaction_id=interaction_id, correlation_id=correlation_id
    )
    return (await _out(session, tenant_id, [row]))[0]
