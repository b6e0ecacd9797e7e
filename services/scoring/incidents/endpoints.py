"""Incident candidates found by scoring (the public `/v1/incidents` belongs to routing)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.scoring.incidents import service
from services.scoring.incidents.schemas import Incident, IncidentDetail
from shared import PROBLEM_RESPONSES, Page, SessionDep, TenantDep

router = APIRouter(tags=["incidents"], responses=PROBLEM_RESPONSES)


@router.get("/v1/scoring/incidents", response_model=Page[Incident])
async def list_incidents(
    session: SessionDep,
    tenant_id: TenantDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[Incident]:
    """Spikes of similar negative public messages, the most recently active first."""
    return await service.list_detected(session, tenant_id=tenant_id, limit=limit, cursor=cursor)


@router.get("/v1/scoring/incidents/{incident_id}", response_model=IncidentDetail)
async def get_incident(
    incident_id: uuid.UUID, session: SessionDep, tenant_id: TenantDep
) -> IncidentDetail:
    """One incident candidate with its newest interactions."""
    return await service.get(session, tenant_id=tenant_id, incident_id=incident_id)
