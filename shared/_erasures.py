"""Tombstones of erased customers inside one service's schema: ids and time, no personal data."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from alembic.operations import Operations

__all__ = ["ErasedCustomers"]


class ErasedCustomers:
    """The customers a service was told to erase (`customer.erased.v1`), so that an event
    published before an erasure and delivered after it attaches nothing to the person again.

    Both sides take the customer's turn, a lock held until the transaction ends: `record` before
    the erasure deletes anything, `erased_among` before a handler stores anything about the
    customers it names. An erasure running at the same time as such a handler therefore either
    finds what the handler stored or the handler finds the tombstone.
    """

    def __init__(self, metadata: sa.MetaData) -> None:
        self.table = sa.Table(
            "erased_customers",
            metadata,
            sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
            sa.Column("customer_id", UUID(as_uuid=True), primary_key=True),
            sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        )

    @staticmethod
    def create_table(op: Operations, schema: str) -> None:
        """DDL of the tombstones table, for the service's migration that adds it."""
        ErasedCustomers(sa.MetaData(schema=schema)).table.create(op.get_bind())

    def _key(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> int:
        # Stable across processes and Python versions; the schema keeps services apart when
        # they share a database.
        text = f"erasure:{self.table.schema}:{tenant_id}:{customer_id}".encode()
        return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)

    async def _take_turns(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, customer_ids: Iterable[uuid.UUID]
    ) -> list[uuid.UUID]:
        # One order for everyone: a handler of two customers never deadlocks with another.
        ids = sorted(set(customer_ids))
        for customer_id in ids:
            await session.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"),
                {"key": self._key(tenant_id, customer_id)},
            )
        return ids

    async def record(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
    ) -> None:
        """Remember the erasure (a repeated one keeps the first time); call it before deleting."""
        await self._take_turns(session, tenant_id=tenant_id, customer_ids=[customer_id])
        await session.execute(
            insert(self.table)
            .values(tenant_id=tenant_id, customer_id=customer_id, erased_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=["tenant_id", "customer_id"])
        )

    async def erased_among(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        customer_ids: Iterable[uuid.UUID | None],
    ) -> set[uuid.UUID]:
        """Which of these customers were erased, after taking their turns (held until the
        transaction ends, so none is erased before what the caller stores is committed)."""
        ids = await self._take_turns(
            session,
            tenant_id=tenant_id,
            customer_ids=(c for c in customer_ids if c is not None),
        )
        if not ids:
            return set()
        found = await session.scalars(
            sa.select(self.table.c.customer_id).where(
                self.table.c.tenant_id == tenant_id, self.table.c.customer_id.in_(ids)
            )
        )
        return set(found)
