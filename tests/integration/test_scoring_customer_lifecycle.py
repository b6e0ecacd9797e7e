"""Scoring follows a customer's life in identity: merges, unmerges and erasure, in any order.

The handlers run directly against a database of their own (real PostgreSQL, no worker), so the
order in which events arrive is the test's to choose.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from integration.test_scoring import sql
from support.handlers import deliver, event, migrated

from services.routing.app import SERVICE as ROUTING
from services.scoring.app import SERVICE
from services.scoring.engine import ScoringConfig
from services.scoring.mentions.service import record_mention
from services.scoring.scores.service import (
    erase_customer,
    follow_merge,
    follow_unmerge,
    put_config,
    rescore_customer,
    score_interaction,
)
from shared import Database
from shared.contracts import (
    CustomerErasedV1,
    CustomerMentionedV1,
    CustomerMergedV1,
    CustomerMergedV2,
    CustomerSnapshot,
    CustomerUnmergedV2,
    Envelope,
    InteractionFacts,
    InteractionIdentifiedV1,
)

# With these bounds a customer with nothing is unrated, three news mentions make bronze, a
# central place in the conversation graph silver, and both together gold.
TIERS = {"bronze": 0.5, "silver": 10.0, "gold": 32.0, "platinum": 80.0}


@pytest.fixture
async def db(fresh_database_url: str) -> AsyncIterator[Database]:
    async with migrated(fresh_database_url, SERVICE) as database:
        yield database


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
        s.handler
        for s in SERVICE.consumers
        if {CustomerMergedV1.event_type, CustomerMergedV2.event_type} & set(s.events)
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
            await deliver(db, record_mention, mentioned(tenant_id, merged, n))
        await in_the_graph(db, tenant_id, merged)
        assert await tier_changes(db, tenant_id, survivor) == [(None, "unrated")]

        merge = event(
            tenant_id,
            CustomerMergedV2(
                survivor_id=survivor,
                merged_id=merged,
                survivor=CustomerSnapshot(customer_id=survivor),
            ),
        )
        for handler in order:
            await deliver(db, handler, merge)

        assert await stored_tier(db, tenant_id, survivor) == "gold"
        assert await stored_tier(db, tenant_id, merged) is None
        assert await tier_changes(db, tenant_id, survivor) == [
            (None, "unrated"),
            ("unrated", "gold"),
        ]


def identified(
    tenant_id: uuid.UUID, customer_id: uuid.UUID, *, value: float = 500.0, followers: int = 800
) -> Envelope[Any]:
    facts = InteractionFacts(
        channel="twitter",
        visibility="public",
        occurred_at=datetime.now(UTC),
        author={"handle": f"h{customer_id.hex[:12]}", "followers": followers},
    )
    return event(
        tenant_id,
        InteractionIdentifiedV1(
            interaction_id=uuid.uuid4(),
            facts=facts,
            customer_id=customer_id,
            decision="match",
            probability=0.99,
            customer=CustomerSnapshot(customer_id=customer_id, value=value),
        ),
    )


async def held_about(db: Database, tenant_id: uuid.UUID, *customer_ids: uuid.UUID) -> list[str]:
    """Which of scoring's tables still hold something about these customers."""
    rows = await sql(
        db.url,
        "SELECT 'score' AS t FROM scoring.customer_scores WHERE tenant_id = $1 "
        "AND customer_id = ANY($2) "
        "UNION ALL SELECT 'history' FROM scoring.score_history WHERE tenant_id = $1 "
        "AND customer_id = ANY($2) "
        "UNION ALL SELECT 'graph' FROM scoring.graph_nodes WHERE tenant_id = $1 "
        "AND customer_id = ANY($2) "
        "UNION ALL SELECT 'mention' FROM scoring.news_mentions WHERE tenant_id = $1 "
        "AND (customer_id = ANY($2) OR named_id = ANY($2))",
        tenant_id,
        list(customer_ids),
    )
    return sorted(r["t"] for r in rows)


async def test_events_delivered_after_an_erasure_never_score_the_person_again(
    db: Database,
) -> None:
    tenant_id, erin, other, merged = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(db, score_interaction, identified(tenant_id, erin))
    await deliver(db, record_mention, mentioned(tenant_id, erin, 0))
    await deliver(db, erase_customer, event(tenant_id, CustomerErasedV1(customer_id=erin)))
    assert await held_about(db, tenant_id, erin) == []
    announced = await tier_changes(db, tenant_id, erin)
    assert announced

    # Someone merged into Erin before her erasure, with a score, a mention and a handle.
    await deliver(db, record_mention, mentioned(tenant_id, merged, 0))
    await in_the_graph(db, tenant_id, merged)
    assert await held_about(db, tenant_id, merged) == ["graph", "history", "mention", "score"]

    # Everything published before the erasure and delivered after it.
    late = [
        (score_interaction, identified(tenant_id, erin)),
        (record_mention, mentioned(tenant_id, erin, 1)),
        (
            follow_unmerge,
            event(
                tenant_id,
                CustomerUnmergedV2(
                    survivor_id=other,
                    restored_id=erin,
                    survivor=CustomerSnapshot(customer_id=other, value=70),
                    restored=CustomerSnapshot(customer_id=erin, value=9_000),
                ),
            ),
        ),
        (follow_merge, event(tenant_id, CustomerMergedV1(survivor_id=erin, merged_id=merged))),
    ]
    for handler, late_event in late:
        await deliver(db, handler, late_event)

    assert await held_about(db, tenant_id, erin, merged) == []
    assert await tier_changes(db, tenant_id, erin) == announced
    scored = await sql(
        db.url,
        "SELECT envelope -> 'payload' ->> 'customer_id' AS customer_id FROM scoring.outbox "
        "WHERE tenant_id = $1 AND type = 'interaction.scored.v1' ORDER BY position",
        tenant_id,
    )
    # The late interaction is still scored (routing waits for it), as an unknown author's.
    assert [r["customer_id"] for r in scored] == [str(erin), None]
    # The other customer of the unmerge is nobody erased: it is scored from its snapshot.
    assert await stored_tier(db, tenant_id, other) is not None


async def test_absurd_master_data_in_an_identification_still_scores_the_interaction(
    db: Database,
) -> None:
    tenant_id, ada = uuid.uuid4(), uuid.uuid4()
    await deliver(db, score_interaction, identified(tenant_id, ada, value=700.0))
    # 1e400 arrives as infinity; a negative value, NaN and absurd audiences are data errors too.
    for value in (float("inf"), float("nan"), -5.0, 1e300):
        await deliver(
            db, score_interaction, identified(tenant_id, ada, value=value, followers=10**15)
        )
    rows = await sql(
        db.url,
        "SELECT customer_value, social_customer_score FROM scoring.customer_scores "
        "WHERE tenant_id = $1",
        tenant_id,
    )
    # The stored master data stands in for the absurd one; every number stays finite.
    assert [r["customer_value"] for r in rows] == [700.0]
    assert all(math.isfinite(r["social_customer_score"]) for r in rows)
    scored = await sql(
        db.url,
        "SELECT envelope::text AS e FROM scoring.outbox "
        "WHERE tenant_id = $1 AND type = 'interaction.scored.v1'",
        tenant_id,
    )
    assert len(scored) == 5


async def test_an_erasure_racing_an_interaction_leaves_no_score(db: Database) -> None:
    tenant_id = uuid.uuid4()
    for _ in range(10):
        erin = uuid.uuid4()
        await asyncio.gather(
            deliver(db, score_interaction, identified(tenant_id, erin)),
            deliver(db, erase_customer, event(tenant_id, CustomerErasedV1(customer_id=erin))),
        )
        assert await held_about(db, tenant_id, erin) == []


async def test_an_erasure_racing_a_mention_leaves_nothing_of_the_person(db: Database) -> None:
    tenant_id = uuid.uuid4()
    for n in range(10):
        erin = uuid.uuid4()
        await asyncio.gather(
            deliver(db, record_mention, mentioned(tenant_id, erin, n)),
            deliver(db, erase_customer, event(tenant_id, CustomerErasedV1(customer_id=erin))),
        )
        assert await held_about(db, tenant_id, erin) == []


async def test_scorings_tombstones_are_the_table_every_service_keeps(
    db: Database, fresh_database_url: str
) -> None:
    """Scoring's tombstones predate `shared.ErasedCustomers`, which now reads and writes them:
    its migration made the table the shared class makes for routing and ingest."""
    query = (
        "SELECT c.column_name, c.data_type, c.is_nullable, k.constraint_name "
        "FROM information_schema.columns AS c LEFT JOIN information_schema.key_column_usage "
        "AS k USING (table_schema, table_name, column_name) "
        "WHERE c.table_schema = $1 AND c.table_name = 'erased_customers' "
        "ORDER BY c.ordinal_position"
    )
    async with migrated(fresh_database_url, ROUTING):
        routing = await sql(db.url, query, "routing")
    scoring = await sql(db.url, query, "scoring")
    assert [tuple(r) for r in scoring] == [tuple(r) for r in routing]
    assert [r["column_name"] for r in scoring] == ["tenant_id", "customer_id", "erased_at"]


async def test_an_erasure_racing_events_about_whom_the_persons_mentions_counted_for_never_deadlocks(
    db: Database,
) -> None:
    """The erasure rescores whoever the person's mentions counted for: it takes their turns with
    the person's, in the one order every handler of several customers takes them."""
    tenant_id = uuid.uuid4()
    for n in range(12):
        erin, otto = uuid.uuid4(), uuid.uuid4()
        for customer_id in (erin, otto):
            await deliver(db, record_mention, mentioned(tenant_id, customer_id, n))
        # Erin was merged into Otto: her mentions count for him.
        merge = CustomerMergedV2(survivor_id=otto, merged_id=erin)
        await deliver(db, follow_merge, event(tenant_id, merge))
        unmerge = CustomerUnmergedV2(
            survivor_id=otto,
            restored_id=erin,
            survivor=CustomerSnapshot(customer_id=otto, value=70),
            restored=CustomerSnapshot(customer_id=erin, value=90),
        )
        # Any exception (a deadlock PostgreSQL broke) fails the test.
        await asyncio.gather(
            deliver(db, erase_customer, event(tenant_id, CustomerErasedV1(customer_id=erin))),
            deliver(db, record_mention, mentioned(tenant_id, otto, n + 100)),
            deliver(db, score_interaction, identified(tenant_id, otto)),
            deliver(db, follow_unmerge, event(tenant_id, unmerge)),
        )
        assert await held_about(db, tenant_id, erin) == []
        # Otto is scored from what is his alone: his two mentions, none of Erin's.
        rows = await sql(
            db.url,
            "SELECT signals ->> 'news_mentions' AS news FROM scoring.customer_scores "
            "WHERE tenant_id = $1 AND customer_id = $2",
            tenant_id,
            otto,
        )
        assert [r["news"] for r in rows] == ["2"]
