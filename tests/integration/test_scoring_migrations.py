"""Upgrading scoring's schema keeps the mention sweep finding the scores it must rescore."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from support.migrations import upgrade_to

from services.scoring.app import SERVICE
from services.scoring.mentions.service import sweep_aged_out
from shared import Database


async def test_scores_stored_before_the_expiry_column_are_still_swept(fresh_database_url) -> None:
    db = Database(fresh_database_url, schema="scoring", pool_size=2)
    tenant = uuid.uuid4()
    # (customer, score computed days ago, its mentions published days ago)
    due, fresh, none = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    cases = [(due, 2, [366, 10]), (fresh, 2, [300]), (none, 2, [])]
    try:
        async with db.engine.begin() as conn:
            await conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS scoring"))
            await conn.run_sync(upgrade_to, SERVICE, "0006")
            for customer, computed, published in cases:
                await conn.execute(
                    sa.text(
                        """INSERT INTO scoring.customer_scores (tenant_id, customer_id,
                           social_customer_score, value_score, influence_score, tier,
                           components, signals, computed_at)
                           VALUES (:t, :c, 1, 0, 1, 'bronze', '[]', :signals,
                                   now() - make_interval(days => :days))"""
                    ),
                    {
                        "t": tenant,
                        "c": customer,
                        "days": computed,
                        "signals": f'{{"news_mentions": {len(published)}}}',
                    },
                )
                for days in published:
                    item = uuid.uuid4()
                    await conn.execute(
                        sa.text(
                            """INSERT INTO scoring.news_mentions (tenant_id, interaction_id,
                               named_id, customer_id, item_key, channel, published_at,
                               matched_by, probability, received_at)
                               VALUES (:t, :i, :c, :c, :key, 'news',
                                       now() - make_interval(days => :days), 'name', 1, now())"""
                        ),
                        {"t": tenant, "i": item, "key": str(item), "c": customer, "days": days},
                    )
        await db.migrate(SERVICE.migrations)

        async def expiries() -> dict[uuid.UUID, bool | None]:
            async with db.engine.begin() as conn:
                rows = await conn.execute(
                    sa.text(
                        "SELECT customer_id, news_expires_at < now() AS due "
                        "FROM scoring.customer_scores WHERE tenant_id = :t"
                    ),
                    {"t": tenant},
                )
                return {r.customer_id: r.due for r in rows}

        assert await expiries() == {due: True, fresh: False, none: None}
        assert await sweep_aged_out(db, max_customers=100) == 1
        # Rescored: it counts the one mention of the last year, which expires in 355 days.
        assert await expiries() == {due: False, fresh: False, none: None}
        assert await sweep_aged_out(db, max_customers=100) == 0
    finally:
        await db.dispose()
