"""All SQL about tenant extraction settings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ingest.tenant_settings.models import TenantSettings


async def get(session: AsyncSession, *, tenant_id: uuid.UUID) -> TenantSettings | None:
    return await session.get(TenantSettings, tenant_id)


async def put(session: AsyncSession, *, tenant_id: uuid.UUID, values: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    stmt = insert(TenantSettings).values(tenant_id=tenant_id, updated_at=now, **values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["tenant_id"], set_={**values, "updated_at": now})
    )
