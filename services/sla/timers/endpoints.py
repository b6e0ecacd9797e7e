"""SLA policy and timer routes (reached through the gateway)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.sla.timers import repository, service
from services.sla.timers.schemas import Policy, PolicyCreate, Timer, TimerState
from shared import (
    PROBLEM_RESPONSES,
    Page,
    SessionDep,
    TenantDep,
    decode_cursor,
    encode_cursor,
)

router = APIRouter(prefix="/v1/sla", tags=["sla"], responses=PROBLEM_RESPONSES)


@router.post("/policies", status_code=status.HTTP_201_CREATED, response_model=Policy)
async def create_policy(data: PolicyCreate, session: SessionDep, tenant_id: TenantDep) -> Policy:
    """A policy; the first matching one by `position` applies to new interactions."""
    return Policy.model_validate(
        await service.create_policy(session, tenant_id=tenant_id, data=data)
    )


@router.get("/policies", response_model=Page[Policy])
async def list_policies(session: SessionDep, tenant_id: TenantDep) -> Page[Policy]:
    rows = await repository.policies(session, tenant_id=tenant_id)
    return Page[Policy](items=[Policy.model_validate(p) for p in rows])


@router.get("/timers", response_model=Page[Timer])
async def list_timers(
    session: SessionDep,
    tenant_id: TenantDep,
    state: TimerState | None = None,
    interaction_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[Timer]:
    after = decode_cursor(cursor)
    rows = await repository.list_timers(
        session,
        tenant_id=tenant_id,
        state=state,
        interaction_id=interaction_id,
        after=(after[0], after[1]) if after else None,
        limit=limit + 1,
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1].due_at.isoformat(), str(rows[-1].id)])
    return Page[Timer](items=[Timer.model_validate(t) for t in rows], next_cursor=next_cursor)
