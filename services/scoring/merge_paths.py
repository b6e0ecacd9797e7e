"""Rows that belong to a customer follow merges and unmerges, and remember whence they came.

A table using this has `tenant_id`, `customer_id` and `merged_path` (the customers merged away,
oldest first, since the row was attached): a merge appends the merged customer, an unmerge gives
back to the restored customer every row whose path passes through it, cut to before it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["follow_merge", "follow_unmerge"]


async def follow_merge(
    session: AsyncSession,
    table: sa.Table,
    *,
    tenant_id: uuid.UUID,
    survivor_id: uuid.UUID,
    merged_id: uuid.UUID,
    values: dict[str, Any] | None = None,
) -> None:
    """The merged customer's rows belong to the survivor; the path records the merged one."""
    await session.execute(
        sa.update(table)
        .where(table.c.tenant_id == tenant_id, table.c.customer_id == merged_id)
        .values(
            customer_id=survivor_id,
            merged_path=sa.func.array_append(table.c.merged_path, merged_id),
            **(values or {}),
        )
    )


async def follow_unmerge(
    session: AsyncSession,
    table: sa.Table,
    *,
    tenant_id: uuid.UUID,
    survivor_id: uuid.UUID,
    restored_id: uuid.UUID,
    values: dict[str, Any] | None = None,
    returning: Sequence[str] = (),
) -> list[sa.Row[Any]]:
    """What the restored customer (and whoever was merged into it before) brought comes back;
    returns the `returning` columns of the rows given back."""
    restored = sa.bindparam("restored", restored_id, type_=sa.Uuid())
    stmt = (
        sa.update(table)
        .where(
            table.c.tenant_id == tenant_id,
            table.c.customer_id == survivor_id,
            restored == sa.func.any(table.c.merged_path),
        )
        .values(
            customer_id=restored,
            merged_path=table.c.merged_path[
                1 : sa.func.array_position(table.c.merged_path, restored) - 1
            ],
            **(values or {}),
        )
    )
    if returning:
        stmt = stmt.returning(*(table.c[name] for name in returning))
        return list((await session.execute(stmt)).all())
    await session.execute(stmt)
    return []
