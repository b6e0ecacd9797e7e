"""All SQL of probabilistic resolution."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.matching.blocking import MAX_CANDIDATES, MAX_POSTINGS
from services.identity.resolution.models import (
    Decision,
    MatchRecord,
    Review,
    StoredModel,
    TenantConfig,
    TenantStats,
)
from shared import AdvisoryLocks, driver_connection

LOCKS = AdvisoryLocks("identity")

# One round trip for a batch of fragments (`n` numbers them): each key's postings, capped at
# MAX_POSTINGS + 1 by a LIMIT per key (an index-only probe each); keys over the cap single nobody
# out and are dropped; per fragment, the MAX_CANDIDATES records sharing the most usable keys;
# then those records (of this tenant: a posting key is a hash, so another tenant's record could
# share it).
_CANDIDATES = """
WITH wanted AS (
    SELECT k.n, k.key FROM unnest($1::int[], $2::text[]) AS k(n, key)
),
postings AS (
    SELECT w.n, w.key, b.record_id
    FROM wanted AS w
    CROSS JOIN LATERAL (
        SELECT record_id FROM identity.blocking_postings
        WHERE key = identity.posting_key($3, w.key)
        LIMIT $4
    ) AS b
),
usable AS (SELECT n, key FROM postings GROUP BY n, key HAVING count(*) < $4),
ranked AS (
    SELECT n, record_id FROM (
        SELECT p.n, p.record_id,
               row_number() OVER (PARTITION BY p.n ORDER BY count(*) DESC, p.record_id) AS rank
        FROM postings AS p JOIN usable AS u USING (n, key)
        GROUP BY p.n, p.record_id
    ) AS shared
    WHERE rank <= $5
)
SELECT ranked.n, r.id, r.customer_id, r.record
FROM ranked JOIN identity.match_records AS r ON r.id = ranked.record_id
WHERE r.tenant_id = $3
"""
_DELETE_POSTINGS = sa.text(
    """
    DELETE FROM identity.blocking_postings
    WHERE record_id = :record_id
      AND key IN (SELECT identity.posting_key(:tenant_id, k) FROM unnest(CAST(:keys AS text[])) k)
    """
)
_INSERT_POSTINGS = sa.text(
    """
    INSERT INTO identity.blocking_postings (key, record_id)
    SELECT identity.posting_key(:tenant_id, k), :record_id FROM unnest(CAST(:keys AS text[])) k
    ON CONFLICT DO NOTHING
    """
)


Candidate = tuple[uuid.UUID, uuid.UUID, dict[str, Any]]


async def candidates_of(
    session: AsyncSession, *, tenant_id: uuid.UUID, fragments: Sequence[Sequence[str]]
) -> list[list[Candidate]]:
    """For each fragment's blocking keys, (record id, customer id, standardised record) of the
    records sharing the most usable keys with it; every fragment in one round trip."""
    out: list[list[Candidate]] = [[] for _ in fragments]
    numbers = [n for n, keys in enumerate(fragments) for _ in keys]
    if not numbers:
        return out
    # Straight through the driver: up to MAX_CANDIDATES rows per fragment, which SQLAlchemy's
    # result rows would wrap one by one (0.4 ms of a lookup's p50, measured at 1M customers).
    pg = await driver_connection(session)
    rows = await pg.fetch(
        _CANDIDATES,
        numbers,
        [key for keys in fragments for key in keys],
        tenant_id,
        MAX_POSTINGS + 1,
        MAX_CANDIDATES,
    )
    for n, record_id, customer_id, record in rows:
        out[n].append((record_id, customer_id, record))
    return out


async def records_of(session: AsyncSession, *, customer_id: uuid.UUID) -> list[MatchRecord]:
    stmt = sa.select(MatchRecord).where(MatchRecord.customer_id == customer_id)
    return list((await session.execute(stmt)).scalars())


async def delete_record(session: AsyncSession, *, record: MatchRecord) -> None:
    await _delete_keys(session, tenant_id=record.tenant_id, record_id=record.id, keys=record.keys)
    await session.execute(sa.delete(MatchRecord).where(MatchRecord.id == record.id))


async def _delete_keys(
    session: AsyncSession, *, tenant_id: uuid.UUID, record_id: uuid.UUID, keys: Sequence[str]
) -> None:
    if keys:
        await session.execute(
            _DELETE_POSTINGS, {"tenant_id": tenant_id, "record_id": record_id, "keys": list(keys)}
        )


async def put_record(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    record_id: uuid.UUID,
    customer_id: uuid.UUID,
    record: dict[str, Any],
    keys: Sequence[str],
) -> None:
    """Store (or replace) one standardised record and its blocking keys."""
    old = await session.get(MatchRecord, record_id)
    if old is not None:
        await _delete_keys(session, tenant_id=tenant_id, record_id=record_id, keys=old.keys)
    await session.execute(
        insert(MatchRecord)
        .values(
            id=record_id, tenant_id=tenant_id, customer_id=customer_id, record=record, keys=keys
        )
        .on_conflict_do_update(index_elements=["id"], set_={"record": record, "keys": list(keys)})
    )
    if keys:
        await session.execute(
            _INSERT_POSTINGS, {"tenant_id": tenant_id, "record_id": record_id, "keys": list(keys)}
        )


async def erase_records(session: AsyncSession, *, customer_id: uuid.UUID) -> None:
    for record in await records_of(session, customer_id=customer_id):
        await delete_record(session, record=record)


async def move_records(
    session: AsyncSession, *, record_ids: Sequence[uuid.UUID], to: uuid.UUID
) -> None:
    if record_ids:
        await session.execute(
            sa.update(MatchRecord)
            .where(MatchRecord.id.in_(list(record_ids)))
            .values(customer_id=to)
        )


async def master_records(
    session: AsyncSession, *, tenant_id: uuid.UUID, limit: int
) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    """Up to `limit` standardised records (for fitting a model)."""
    rows = await session.execute(
        sa.select(MatchRecord.id, MatchRecord.record)
        .where(MatchRecord.tenant_id == tenant_id)
        .limit(limit)
    )
    return [(r[0], r[1]) for r in rows]


async def master_size(session: AsyncSession, *, tenant_id: uuid.UUID) -> int:
    """The tenant's match records, counted: a scan of the whole table (there is no index by
    tenant), so for jobs, never for a request (those read `tenant_stats`)."""
    stmt = (
        sa.select(sa.func.count())
        .select_from(MatchRecord)
        .where(MatchRecord.tenant_id == tenant_id)
    )
    return int((await session.execute(stmt)).scalar_one())


async def stored_master_size(session: AsyncSession, *, tenant_id: uuid.UUID) -> int | None:
    """The tenant's master size as last counted (None: not counted yet)."""
    return await session.scalar(
        sa.select(TenantStats.master_size).where(TenantStats.tenant_id == tenant_id)
    )


# Every tenant's master in one scan (counting one tenant scans as much: there is no index by
# tenant); a tenant left without records loses its figure.
_COUNT_ALL = sa.text(
    """
    WITH counted AS (
        SELECT tenant_id, count(*) AS size FROM identity.match_records GROUP BY tenant_id
    ),
    stored AS (
        INSERT INTO identity.tenant_stats (tenant_id, master_size, counted_at)
        SELECT tenant_id, size, now() FROM counted
        ON CONFLICT (tenant_id) DO UPDATE
        SET master_size = EXCLUDED.master_size, counted_at = EXCLUDED.counted_at
    ),
    gone AS (
        DELETE FROM identity.tenant_stats s
        WHERE NOT EXISTS (SELECT 1 FROM counted c WHERE c.tenant_id = s.tenant_id)
    )
    SELECT count(*) FROM counted
    """
)


async def store_master_sizes(
    session: AsyncSession, *, unless_within: float = 0.0, wait: bool = False
) -> int | None:
    """Count every tenant's master and store the figures (`tenant_stats`); returns how many
    tenants it counted. One process at a time: with `wait` after the one counting now, else not
    at all (None); nor (None) when every figure is younger than `unless_within` seconds."""
    if wait:
        await LOCKS.xact_lock(session, "master-sizes")
    elif not await LOCKS.try_xact_lock(session, "master-sizes"):
        return None
    if unless_within:
        oldest = await session.scalar(sa.select(sa.func.min(TenantStats.counted_at)))
        if oldest is not None and (datetime.now(UTC) - oldest).total_seconds() < unless_within:
            return None
    return int((await session.execute(_COUNT_ALL)).scalar_one())


# --- configuration and models ---------------------------------------------------------------


async def get_config(session: AsyncSession, *, tenant_id: uuid.UUID) -> TenantConfig | None:
    return await session.get(TenantConfig, tenant_id)


async def put_config(
    session: AsyncSession, *, tenant_id: uuid.UUID, match: float, review: float
) -> None:
    now = datetime.now(UTC)
    await session.execute(
        insert(TenantConfig)
        .values(tenant_id=tenant_id, match_threshold=match, review_threshold=review, updated_at=now)
        .on_conflict_do_update(
            index_elements=["tenant_id"],
            set_={"match_threshold": match, "review_threshold": review, "updated_at": now},
        )
    )


async def latest_model(session: AsyncSession, *, tenant_id: uuid.UUID) -> StoredModel | None:
    stmt = (
        sa.select(StoredModel)
        .where(StoredModel.tenant_id == tenant_id)
        .order_by(StoredModel.created_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_model(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    version: str,
    model: dict[str, Any],
    job_id: uuid.UUID | None,
) -> None:
    session.add(
        StoredModel(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            version=version,
            model=model,
            job_id=job_id,
            created_at=datetime.now(UTC),
        )
    )
    await session.flush()


# --- decisions and reviews --------------------------------------------------------------------


async def add_decision(session: AsyncSession, decision: Decision) -> None:
    session.add(decision)
    await session.flush()


async def decisions_of(session: AsyncSession, *, customer_id: uuid.UUID) -> list[Decision]:
    stmt = (
        sa.select(Decision)
        .where(sa.or_(Decision.customer_id == customer_id, Decision.candidate_id == customer_id))
        .order_by(Decision.created_at)
    )
    return list((await session.execute(stmt)).scalars())


async def interactions_of(session: AsyncSession, *, customer_id: uuid.UUID) -> list[uuid.UUID]:
    """Interactions whose latest decision named this customer."""
    stmt = sa.select(Decision.interaction_id).where(
        Decision.customer_id == customer_id, Decision.interaction_id.is_not(None)
    )
    return list(dict.fromkeys(r for r in (await session.execute(stmt)).scalars() if r))


async def add_review(session: AsyncSession, review: Review) -> None:
    session.add(review)
    await session.flush()


async def get_review(
    session: AsyncSession, *, tenant_id: uuid.UUID, review_id: uuid.UUID, lock: bool = False
) -> Review | None:
    stmt = sa.select(Review).where(Review.tenant_id == tenant_id, Review.id == review_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_reviews(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    state: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[Review]:
    stmt = sa.select(Review).where(Review.tenant_id == tenant_id)
    if state:
        stmt = stmt.where(Review.state == state)
    if after:
        stmt = stmt.where(Review.id > after)
    return list((await session.execute(stmt.order_by(Review.id).limit(limit))).scalars())


async def reviews_of(session: AsyncSession, *, customer_id: uuid.UUID) -> list[Review]:
    stmt = sa.select(Review).where(
        sa.or_(Review.candidate_id == customer_id, Review.prospect_id == customer_id)
    )
    return list((await session.execute(stmt.order_by(Review.created_at))).scalars())


async def erase_decisions_and_reviews(session: AsyncSession, *, customer_id: uuid.UUID) -> None:
    await session.execute(
        sa.delete(Review).where(
            sa.or_(Review.candidate_id == customer_id, Review.prospect_id == customer_id)
        )
    )
    await session.execute(
        sa.delete(Decision).where(
            sa.or_(Decision.customer_id == customer_id, Decision.candidate_id == customer_id)
        )
    )
