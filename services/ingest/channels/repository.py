"""All SQL about channel settings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ingest.channels.models import ChannelConfig


async def get(
    session: AsyncSession, *, tenant_id: uuid.UUID, channel: str
) -> dict[str, Any] | None:
    row = await session.get(ChannelConfig, (tenant_id, channel))
    return row.settings if row else None


async def put(
    session: AsyncSession, *, tenant_id: uuid.UUID, channel: str, settings: dict[str, Any]
) -> None:
    now = datetime.now(UTC)
    stmt = insert(ChannelConfig).values(
        tenant_id=tenant_id, channel=channel, settings=settings, updated_at=now
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["tenant_id", "channel"], set_={"settings": settings, "updated_at": now}
        )
    )
