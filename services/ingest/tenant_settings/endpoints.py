"""Tenant extraction settings (reached through the gateway)."""

from __future__ import annotations

from fastapi import APIRouter

from services.ingest.tenant_settings import service
from services.ingest.tenant_settings.schemas import TenantSettingsIn, TenantSettingsOut
from shared import PROBLEM_RESPONSES, SessionDep, TenantDep

router = APIRouter(
    prefix="/v1/ingest/settings", tags=["ingest settings"], responses=PROBLEM_RESPONSES
)


@router.get("", response_model=TenantSettingsOut)
async def get_settings(session: SessionDep, tenant_id: TenantDep) -> TenantSettingsOut:
    return await service.get(session, tenant_id=tenant_id)


@router.put("", response_model=TenantSettingsOut)
async def put_settings(
    data: TenantSettingsIn, session: SessionDep, tenant_id: TenantDep
) -> TenantSettingsOut:
    """Customer/contract number formats (regex with one group) and the default language."""
    return await service.put(session, tenant_id=tenant_id, data=data)
