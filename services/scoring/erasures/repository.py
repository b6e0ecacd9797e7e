"""All SQL about erased customers' tombstones."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.erasures.models import ErasedCustomer


async def record(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, now: datetime
) -> None:
    """Remember the erasure; a repeated one keeps the first time."""
    await session.execute(
        insert(ErasedCustomer)
        .values(tenant_id=tenant_id, customer_id=customer_id, erased_at=now)
        .on_conflict_do_nothing(index_elements=["tenant_id", "customer_id"])
    )


async def erased_among(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these customers were erased."""
    if not customer_ids:
        return set()
    found = await session.scalars(
        sa.select(ErasedCustomer.customer_id).where(
            ErasedCustomer.tenant_id == tenant_id,
            ErasedCustomer.customer_id.in_(list(customer_ids)),
        )
    )
    return set(found)


async def is_erased(session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> bool:
    return bool(await erased_among(session, tenant_id=tenant_id, customer_ids=[customer_id]))
