"""Score and scoring-configuration routes (reached through the gateway)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.scoring.engine import ScoringConfig
from services.scoring.scores import service
from services.scoring.scores.schemas import Score
from shared import PROBLEM_RESPONSES, SessionDep, TenantDep

router = APIRouter(tags=["scores"], responses=PROBLEM_RESPONSES)


@router.get("/v1/customers/{customer_id}/score", response_model=Score)
async def get_score(customer_id: uuid.UUID, session: SessionDep, tenant_id: TenantDep) -> Score:
    """The Social Customer Score with its explained components and history."""
    return await service.get_score(session, tenant_id=tenant_id, customer_id=customer_id)


@router.get("/v1/scoring/config", response_model=ScoringConfig)
async def get_config(session: SessionDep, tenant_id: TenantDep) -> ScoringConfig:
    return await service.config_for(session, tenant_id=tenant_id)


@router.put("/v1/scoring/config", response_model=ScoringConfig)
async def put_config(
    config: ScoringConfig, session: SessionDep, tenant_id: TenantDep
) -> ScoringConfig:
    """Replace the tenant's weights and thresholds; an invalid config is a 422, nothing stored."""
    return await service.put_config(session, tenant_id=tenant_id, config=config)
