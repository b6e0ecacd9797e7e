"""Routing forgets an erased customer, and a scored interaction delivered after the erasure
brings nothing of the person back (handlers run directly, in the order the test chooses)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from integration.test_scoring import sql
from support.handlers import deliver, event, migrated

from services.routing.app import SERVICE
from services.routing.queues.service import erase_customer, route_interaction
from services.scoring.app import SERVICE as SCORING
from services.scoring.scores import service as scoring
from shared import Database, make_similarity_key
from shared.contracts import (
    AuthorClaims,
    CustomerErasedV1,
    CustomerSnapshot,
    Envelope,
    InteractionFacts,
    InteractionIdentifiedV1,
    InteractionScoredV1,
    RiskAssessment,
    parse_envelope,
)


@pytest.fixture
async def db(fresh_database_url: str) -> AsyncIterator[Database]:
    async with migrated(fresh_database_url, SERVICE) as database:
        yield database


# A Messenger conversation is threaded by the page and the person's page-scoped user id.
MESSENGER_THREAD = "104857600012345:7209183746501928"


def scored(tenant_id: uuid.UUID, customer_id: uuid.UUID | None, **overrides: Any) -> Envelope[Any]:
    facts = InteractionFacts(
        **{
            "channel": "twitter",
            "visibility": "public",
            "occurred_at": datetime.now(UTC),
            "author": {"name": "Erin Example", "handle": "@erin", "followers": 48_000},
            **overrides,
        }
    )
    return event(
        tenant_id,
        InteractionScoredV1(
            interaction_id=uuid.uuid4(),
            facts=facts,
            customer_id=customer_id,
            social_customer_score=60,
            value_score=40,
            influence_score=80,
            risk=RiskAssessment(value=0.7, tier="high"),
        ),
    )


async def items(db: Database, tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await sql(
        db.url,
        "SELECT state, priority, customer_id, facts -> 'author' AS author "
        "FROM routing.queue_items WHERE tenant_id = $1 ORDER BY created_at",
        tenant_id,
    )
    return [dict(r) for r in rows]


async def test_a_scored_interaction_delivered_after_the_erasure_is_routed_without_the_person(
    db: Database,
) -> None:
    tenant_id, erin = uuid.uuid4(), uuid.uuid4()
    await deliver(db, route_interaction, scored(tenant_id, erin))
    await deliver(db, erase_customer, event(tenant_id, CustomerErasedV1(customer_id=erin)))
    # Scored before the erasure, delivered after it.
    await deliver(db, route_interaction, scored(tenant_id, erin))

    routed = await items(db, tenant_id)
    assert len(routed) == 2
    # Both keep their place and priority, neither its customer nor its author.
    assert all(i["state"] == "waiting" and i["priority"] is not None for i in routed)
    assert [(i["customer_id"], i["author"]) for i in routed] == [(None, "{}"), (None, "{}")]
    tombstones = await sql(
        db.url, "SELECT * FROM routing.erased_customers WHERE tenant_id = $1", tenant_id
    )
    # Ids and time only: no personal data.
    assert [sorted(dict(t)) for t in tombstones] == [["customer_id", "erased_at", "tenant_id"]]
    assert tombstones[0]["customer_id"] == erin


async def test_an_erasure_racing_a_scored_interaction_leaves_nothing_of_the_person(
    db: Database,
) -> None:
    tenant_id = uuid.uuid4()
    for _ in range(10):
        erin = uuid.uuid4()
        await asyncio.gather(
            deliver(db, route_interaction, scored(tenant_id, erin)),
            deliver(db, erase_customer, event(tenant_id, CustomerErasedV1(customer_id=erin))),
        )
    routed = await items(db, tenant_id)
    assert len(routed) == 10
    assert {(i["customer_id"], i["author"]) for i in routed} == {(None, "{}")}


async def test_an_erasure_leaves_neither_the_thread_nor_the_similarity_key_of_the_persons_items(
    db: Database,
) -> None:
    tenant_id, erin, otto = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def message(customer_id: uuid.UUID, thread: str, text: str) -> Envelope[Any]:
        return scored(
            tenant_id,
            customer_id,
            channel="facebook",
            visibility="private",
            author={"name": "Erin Example"},
            thread_key=thread,
            similarity_key=make_similarity_key(text),
        )

    await deliver(db, route_interaction, message(erin, MESSENGER_THREAD, "Mein Router ist tot"))
    await deliver(db, route_interaction, message(otto, "104857600012345:1", "Rechnung falsch"))
    await deliver(db, erase_customer, event(tenant_id, CustomerErasedV1(customer_id=erin)))
    # Scored before the erasure, delivered after it.
    await deliver(db, route_interaction, message(erin, MESSENGER_THREAD, "Immer noch tot"))

    rows = await sql(
        db.url,
        "SELECT customer_id, priority, facts::text AS facts, facts ->> 'thread_key' AS thread, "
        "facts ->> 'similarity_key' AS similarity FROM routing.queue_items "
        "WHERE tenant_id = $1 ORDER BY created_at",
        tenant_id,
    )
    erins, ottos = [rows[0], rows[2]], rows[1]
    for item in erins:
        assert (item["customer_id"], item["thread"], item["similarity"]) == (None, None, None)
        assert "7209183746501928" not in item["facts"]
        assert item["priority"] is not None
    # Nobody erased keeps what is theirs.
    assert (ottos["customer_id"], ottos["thread"]) == (otto, "104857600012345:1")
    assert ottos["similarity"] == make_similarity_key("Rechnung falsch")


async def test_a_late_interaction_of_an_erased_customer_reaches_routing_without_their_claims(
    db: Database, fresh_database_url: str
) -> None:
    tenant_id, erin = uuid.uuid4(), uuid.uuid4()
    facts = InteractionFacts(
        channel="twitter",
        visibility="public",
        occurred_at=datetime.now(UTC),
        sentiment=-0.8,
        urgency=0.9,
        author=AuthorClaims(
            name="Erin Quackenbush",
            email="erin.quackenbush@example.de",
            phone="+49 171 2345678",
            handle="@quackenbush",
            profile_url="https://x.com/quackenbush",
            followers=48_000,
            following=310,
            posts=9_000,
            verified=True,
        ),
        thread_key=MESSENGER_THREAD,
        similarity_key=make_similarity_key("Seit drei Tagen kein Internet"),
    )
    erasure = event(tenant_id, CustomerErasedV1(customer_id=erin))
    async with migrated(fresh_database_url, SCORING) as scoring_db:
        await deliver(scoring_db, scoring.erase_customer, erasure)
        await deliver(db, erase_customer, erasure)
        # Identified as Erin before her erasure, delivered to scoring after it.
        late = InteractionIdentifiedV1(
            interaction_id=uuid.uuid4(),
            facts=facts,
            customer_id=erin,
            decision="match",
            probability=0.99,
            customer=CustomerSnapshot(customer_id=erin, value=500),
        )
        await deliver(scoring_db, scoring.score_interaction, event(tenant_id, late))
        sent = await sql(
            scoring_db.url,
            "SELECT envelope::text AS e FROM scoring.outbox "
            "WHERE tenant_id = $1 AND type = 'interaction.scored.v1'",
            tenant_id,
        )
    assert len(sent) == 1
    scored_event = parse_envelope(sent[0]["e"])
    await deliver(db, route_interaction, scored_event)
    stored = await sql(
        db.url,
        "SELECT customer_id, priority, facts::text AS facts FROM routing.queue_items "
        "WHERE tenant_id = $1",
        tenant_id,
    )

    # Neither scoring's event nor routing's item carries anything the author claimed, their
    # thread or their text's similarity key: with no customer on them, no later erasure could
    # find it.
    p: InteractionScoredV1 = scored_event.payload
    assert (p.customer_id, p.facts.author) == (None, AuthorClaims())
    assert (p.facts.thread_key, p.facts.similarity_key) == (None, None)
    assert len(stored) == 1
    assert stored[0]["customer_id"] is None
    for personal in ("Quackenbush", "7209183746501928", str(facts.similarity_key)):
        assert personal.lower() not in sent[0]["e"].lower()
        assert personal.lower() not in stored[0]["facts"].lower()
    # What routing routes by is all there: channel, visibility, mood, urgency and the risk.
    assert p.facts == facts.model_copy(
        update={"author": AuthorClaims(), "thread_key": None, "similarity_key": None}
    )
    assert p.risk.value > 0
    assert stored[0]["priority"] > 0


async def test_an_erasure_reaches_what_the_page_sent_the_person_in_their_private_threads(
    db: Database,
) -> None:
    tenant_id, erin, otto = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    page = "104857600012345"
    erins, erins_later, ottos, post = MESSENGER_THREAD, f"{page}:72091837", f"{page}:1", "p_555"

    def message(
        customer_id: uuid.UUID | None, thread: str, *, outbound: bool = False, **overrides: Any
    ) -> Envelope[Any]:
        # The page's own messages (echoes) carry the thread's key and are linked to nobody.
        return scored(
            tenant_id,
            customer_id,
            **{
                "channel": "facebook",
                "visibility": "private",
                "direction": "outbound" if outbound else "inbound",
                "author": {"name": "ACME Telco" if outbound else "Erin Quackenbush"},
                "thread_key": thread,
                **overrides,
            },
        )

    to_erin, to_erin_later, to_otto = (
        message(None, erins, outbound=True),
        message(None, erins_later, outbound=True),
        message(None, ottos, outbound=True),
    )
    # Another channel's thread under the same key is somebody else's.
    to_other_channel = message(None, erins, outbound=True, channel="instagram")
    # A public post's comments hold replies to other people as well: not the person's thread.
    public_reply = message(None, post, outbound=True, visibility="public")
    late = message(erin, erins_later)
    for delivered in (
        message(erin, erins),
        to_erin,
        to_erin_later,
        message(otto, ottos),
        to_otto,
        to_other_channel,
        message(erin, post, visibility="public"),
        public_reply,
    ):
        await deliver(db, route_interaction, delivered)
    await deliver(db, erase_customer, event(tenant_id, CustomerErasedV1(customer_id=erin)))
    # Scored as Erin's before her erasure, delivered after it.
    await deliver(db, route_interaction, late)

    rows = await sql(
        db.url,
        "SELECT interaction_id, customer_id, priority, facts::text AS facts, "
        "facts ->> 'thread_key' AS thread FROM routing.queue_items WHERE tenant_id = $1",
        tenant_id,
    )
    held = {r["interaction_id"]: r for r in rows}
    for erased in (to_erin, to_erin_later, late):
        item = held[erased.payload.interaction_id]
        assert (item["thread"], item["customer_id"]) == (None, None)
        assert "72091837" not in item["facts"] and "ACME" not in item["facts"]
        assert item["priority"] is not None
    # Nobody erased keeps what is theirs, and the page's public reply stays.
    assert held[to_otto.payload.interaction_id]["thread"] == ottos
    assert held[to_other_channel.payload.interaction_id]["thread"] == erins
    assert held[public_reply.payload.interaction_id]["thread"] == post
    assert "ACME Telco" in held[public_reply.payload.interaction_id]["facts"]
