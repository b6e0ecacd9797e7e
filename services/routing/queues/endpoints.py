"""Queue routes (reached through the gateway)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.routing.queues import repository, service
from services.routing.queues.schemas import Queue, QueueCreate, QueueItem
from shared import (
    PROBLEM_RESPONSES,
    Page,
    SessionDep,
    TenantDep,
    decode_cursor,
    encode_cursor,
)

router = APIRouter(prefix="/v1/queues", tags=["queues"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Queue)
async def create_queue(data: QueueCreate, session: SessionDep, tenant_id: TenantDep) -> Queue:
    return Queue.model_validate(await service.create_queue(session, tenant_id=tenant_id, data=data))


@router.get("", response_model=Page[Queue])
async def list_queues(session: SessionDep, tenant_id: TenantDep) -> Page[Queue]:
    await repository.default_queue(session, tenant_id=tenant_id)
    rows = await repository.list_queues(session, tenant_id=tenant_id)
    return Page[Queue](items=[Queue.model_validate(q) for q in rows])


@router.get("/{queue_id}/items", response_model=Page[QueueItem])
async def queue_items(
    queue_id: uuid.UUID,
    session: SessionDep,
    tenant_id: TenantDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[QueueItem]:
    """Waiting work in priority order, each with its priority and why."""
    await service.get_queue(session, tenant_id=tenant_id, queue_id=queue_id)
    after = decode_cursor(cursor)
    rows = await repository.waiting_items(
        session,
        tenant_id=tenant_id,
        queue_id=queue_id,
        after=(float(after[0]), str(after[1])) if after else None,
        limit=limit + 1,
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1].priority, str(rows[-1].interaction_id)])
    return Page[QueueItem](
        items=[QueueItem.model_validate(r) for r in rows], next_cursor=next_cursor
    )
