"""PostgreSQL advisory locks keyed by a service, a namespace and a tenant, so replicas take
turns (transaction-scoped: released when the transaction ends)."""

from __future__ import annotations

import hashlib
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

__all__ = ["AdvisoryLocks"]


class AdvisoryLocks:
    """A service's advisory locks: each key is its name, a namespace and an optional tenant."""

    def __init__(self, service: str) -> None:
        self.service = service

    def key(self, namespace: str, tenant_id: uuid.UUID | None = None) -> int:
        """A stable signed 64-bit lock key (the same in every process and Python version)."""
        text = f"{self.service}:{namespace}:{tenant_id or ''}".encode()
        return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)

    async def xact_lock(
        self, session: AsyncSession, namespace: str, tenant_id: uuid.UUID | None = None
    ) -> None:
        """Wait for the lock."""
        await session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": self.key(namespace, tenant_id)}
        )

    async def try_xact_lock(
        self,
        conn: AsyncSession | AsyncConnection,
        namespace: str,
        tenant_id: uuid.UUID | None = None,
    ) -> bool:
        """Take the lock if nobody holds it."""
        got = await conn.scalar(
            sa.text("SELECT pg_try_advisory_xact_lock(:key)"),
            {"key": self.key(namespace, tenant_id)},
        )
        return bool(got)
