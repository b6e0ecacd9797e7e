"""All SQL about customers, identities and social profiles."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.customers.models import Customer, Identity, SocialProfile


async def get(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, lock: bool = False
) -> Customer | None:
    stmt = sa.select(Customer).where(Customer.tenant_id == tenant_id, Customer.id == customer_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def identities_of(session: AsyncSession, *, customer_id: uuid.UUID) -> list[Identity]:
    stmt = sa.select(Identity).where(Identity.customer_id == customer_id).order_by(Identity.kind)
    return list((await session.execute(stmt)).scalars())


async def profiles_of(session: AsyncSession, *, customer_id: uuid.UUID) -> list[SocialProfile]:
    stmt = sa.select(SocialProfile).where(SocialProfile.customer_id == customer_id)
    return list((await session.execute(stmt)).scalars())


async def find_by_identities(
    session: AsyncSession, *, tenant_id: uuid.UUID, keys: Iterable[tuple[str, str]]
) -> list[Identity]:
    """Identities matching any (kind, value) pair, verified first."""
    pairs = list(keys)
    if not pairs:
        return []
    stmt = (
        sa.select(Identity)
        .where(
            Identity.tenant_id == tenant_id,
            sa.tuple_(Identity.kind, Identity.value).in_(pairs),
        )
        .order_by(Identity.verified.desc(), Identity.created_at)
    )
    return list((await session.execute(stmt)).scalars())


async def number_taken(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_number: str,
    other_than: uuid.UUID | None,
) -> bool:
    stmt = sa.select(Customer.id).where(
        Customer.tenant_id == tenant_id, Customer.customer_number == customer_number
    )
    if other_than is not None:
        stmt = stmt.where(Customer.id != other_than)
    return (await session.execute(stmt.limit(1))).first() is not None


async def add_identities(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    keys: Iterable[tuple[str, str]],
    verified: bool,
) -> list[tuple[str, str]]:
    """Attach identifiers; returns those already owned by another customer (not attached)."""
    now = datetime.now(UTC)
    taken: list[tuple[str, str]] = []
    for kind, value in dict.fromkeys(keys):
        inserted = (
            await session.execute(
                insert(Identity)
                .values(
                    tenant_id=tenant_id,
                    kind=kind,
                    value=value,
                    customer_id=customer_id,
                    verified=verified,
                    created_at=now,
                )
                .on_conflict_do_nothing()
                .returning(Identity.customer_id)
            )
        ).first()
        if inserted is None:
            owner = (
                await session.execute(
                    sa.select(Identity.customer_id).where(
                        Identity.tenant_id == tenant_id,
                        Identity.kind == kind,
                        Identity.value == value,
                    )
                )
            ).scalar_one_or_none()
            if owner != customer_id:
                taken.append((kind, value))
    return taken


async def remove_identities(
    session: AsyncSession, *, customer_id: uuid.UUID, kinds: Iterable[str]
) -> None:
    await session.execute(
        sa.delete(Identity).where(
            Identity.customer_id == customer_id, Identity.kind.in_(list(kinds))
        )
    )


async def search(
    session: AsyncSession, *, tenant_id: uuid.UUID, q: str | None, after: str | None, limit: int
) -> list[Customer]:
    stmt = sa.select(Customer).where(
        Customer.tenant_id == tenant_id, Customer.merged_into.is_(None)
    )
    if q:
        like = f"%{q.strip()}%"
        by_identity = sa.select(Identity.customer_id).where(
            Identity.tenant_id == tenant_id, Identity.value.ilike(like)
        )
        stmt = stmt.where(
            sa.or_(
                Customer.family_name.ilike(like),
                Customer.given_name.ilike(like),
                Customer.customer_number.ilike(like),
                Customer.display_name.ilike(like),
                (Customer.given_name + " " + Customer.family_name).ilike(like),
                Customer.id.in_(by_identity),
            )
        )
    if after:
        stmt = stmt.where(Customer.id > uuid.UUID(after))
    stmt = stmt.order_by(Customer.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def upsert_profile(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    network: str,
    data: dict[str, Any],
) -> None:
    now = datetime.now(UTC)
    stmt = insert(SocialProfile).values(
        customer_id=customer_id, network=network, tenant_id=tenant_id, data=data, updated_at=now
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["customer_id", "network"], set_={"data": data, "updated_at": now}
        )
    )


async def delete(session: AsyncSession, *, customer_id: uuid.UUID) -> None:
    await session.execute(sa.delete(Customer).where(Customer.id == customer_id))
