"""Scoring follows a customer's life in identity: merges, unmerges and erasure, in any order.

The handlers run directly against a database of their own (real PostgreSQL, no worker), so the
order in which events arrive is the test's to choose.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from integration.test_scoring import sql

from services.scoring.app import SERVICE
from services.scoring.engine import ScoringConfig
from services.scoring.mentions.service import record_mention
from services.scoring.scores.service import put_config, rescore_customer
from shared import Database
from shared.contracts import CustomerMentionedV1, CustomerMergedV1, CustomerSnapshot, Envelope

# With these bounds a customer with nothing is unrated, three news mentions make bronze, a
# central place in the conversation graph silver, and both together gold.
TIERS = {"bronze": 0.5, "silver": 10.0, "gold": 32.0, "platinum": 80.0}


@pytest.fixture
async def db(fresh_database_url: str) -> AsyncIterator[Database]:
    database = Database(fresh_database_url, schema="scoring")
    await database.migrate(SERVICE.migrations)
    try:
        yield database
    finally:
        await database.dispose()


def event(tenant_id: uuid.UUID, payload: Any) -> Envelope[Any]:
    return Envelope.wrap(payload, source="test", tenant_id=tenant_id)


def mentioned(tenant_id: uuid.UUID, customer_id: uuid.UUID, n: int) -> Envelope[Any]:
    return event(
        tenant_id,
        CustomerMentionedV1(
            customer_id=customer_id,
            interaction_id=uuid.uuid4(),
            channel="news",
            outlet="Heise online",
            url=f"https://www.heise.de/news/{customer_id}-{n}.html",
            published_at=datetime.now(UTC),
            matched_by="name",
            probability=0.9,
            customer=CustomerSnapshot(customer_id=customer_id),
        ),
    )


async def in_the_graph(db: Database, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    """The customer owns a handle central in the tenant's graph (as a recompute left it)."""
    await sql(
        db.url,
        "INSERT INTO scoring.graph_nodes (tenant_id, network, handle, customer_id, posts, "
        "reacted_posts, likes, reposts, replies, mentions_received, replies_received, "
        "reposts_received, centrality, updated_at) "
        "VALUES ($1, 'twitter', $2, $3, 1, 0, 0, 0, 0, 50, 0, 0, 0.9, now())",
        tenant_id,
        f"h{customer_id.hex[:12]}",
        customer_id,
    )


async def tier_changes(
    db: Database, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> list[tuple[str | None, str]]:
    rows = await sql(
        db.url,
        "SELECT envelope -> 'payload' ->> 'previous_tier' AS previous, "
        "envelope -> 'payload' ->> 'tier' AS tier FROM scoring.outbox "
        "WHERE tenant_id = $1 AND type = 'customer.score_changed.v1' "
        "AND envelope -> 'payload' ->> 'customer_id' = $2 ORDER BY position",
        tenant_id,
        str(customer_id),
    )
    return [(r["previous"], r["tier"]) for r in rows]


async def stored_tier(db: Database, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> str | None:
    rows = await sql(
        db.url,
        "SELECT tier FROM scoring.customer_scores WHERE tenant_id = $1 AND customer_id = $2",
        tenant_id,
        customer_id,
    )
    return rows[0]["tier"] if rows else None


async def test_a_merge_announces_only_the_survivors_final_tier_in_any_delivery_order(
    db: Database,
) -> None:
    merge_handlers = [
        s.handler for s in SERVICE.consumers if CustomerMergedV1.event_type in s.events
    ]
    assert merge_handlers
    # Whichever consumer of the merge runs first, each in its own transaction as RabbitMQ
    # delivers them, no score is ever computed from half the merge.
    for order in itertools.permutations(merge_handlers):
        tenant_id, survivor, merged = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        async with db.session() as session:
            await put_config(session, tenant_id=tenant_id, config=ScoringConfig(tiers=TIERS))
            await rescore_customer(
                session,
                tenant_id=tenant_id,
                customer_id=survivor,
                snapshot=CustomerSnapshot(customer_id=survivor),
            )
        for n in range(3):
            async with db.session() as session:
                await record_mention(session, mentioned(tenant_id, merged, n))
        await in_the_graph(db, tenant_id, merged)
        assert await tier_changes(db, tenant_id, survivor) == [(None, "unrated")]

        merge = event(tenant_id, CustomerMergedV1(survivor_id=survivor, merged_id=merged))
        for handler in order:
            async with db.session() as session:
                await handler(session, merge)

        assert await stored_tier(db, tenant_id, survivor) == "gold"
        assert await stored_tier(db, tenant_id, merged) is None
        assert await tier_changes(db, tenant_id, survivor) == [
            (None, "unrated"),
            ("unrated", "gold"),
        ]
