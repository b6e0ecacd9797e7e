"""Internal: what scoring holds about a person, for the gateway's GDPR export."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from services.scoring.exports import repository
from shared import PROBLEM_RESPONSES, SessionDep, TenantDep

router = APIRouter(tags=["operations"], responses=PROBLEM_RESPONSES, include_in_schema=False)


@router.get("/internal/customers/{customer_id}/export")
async def export_held(
    customer_id: uuid.UUID, session: SessionDep, tenant_id: TenantDep
) -> dict[str, Any]:
    """Graph accounts, conversations and news mentions of the person (the score and its history
    are `GET /v1/customers/{id}/score`)."""
    return await repository.held(session, tenant_id=tenant_id, customer_id=customer_id)
