"""PostgreSQL advisory locks keyed by a namespace and a tenant, so replicas take turns."""

from __future__ import annotations

import hashlib
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

__all__ = ["advisory_key", "try_xact_lock", "xact_lock"]


def advisory_key(namespace: str, tenant_id: uuid.UUID | None = None) -> int:
    """A stable signed 64-bit lock key (the same in every process and Python version)."""
    text = f"scoring:{namespace}:{tenant_id or ''}".encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)


async def xact_lock(
    session: AsyncSession, namespace: str, tenant_id: uuid.UUID | None = None
) -> None:
    """Wait for the lock; it is released when the transaction ends."""
    await session.execute(
        sa.text("SELECT pg_advisory_xact_lock(:key)"),
        {"key": advisory_key(namespace, tenant_id)},
    )


async def try_xact_lock(
    conn: AsyncSession | AsyncConnection, namespace: str, tenant_id: uuid.UUID | None = None
) -> bool:
    """Take the lock if nobody holds it; released when the transaction ends."""
    got = await conn.scalar(
        sa.text("SELECT pg_try_advisory_xact_lock(:key)"),
        {"key": advisory_key(namespace, tenant_id)},
    )
    return bool(got)
