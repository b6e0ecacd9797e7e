"""Ingest forgets an erased customer's interactions, and events delivered after the erasure
link none to the person again (handlers run directly, in the order the test chooses)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from integration.test_scoring import sql
from support.handlers import deliver, event, migrated

from services.ingest.app import SERVICE
from services.ingest.interactions.consumers import (
    on_customer_erased,
    on_customer_merged,
    on_customer_unmerged,
    on_identified,
)
from services.ingest.interactions.schemas import InteractionCreate, ResponseCreate
from services.ingest.interactions.service import receive, respond
from shared import Database
from shared.contracts import (
    CustomerErasedV1,
    CustomerMergedV1,
    CustomerUnmergedV1,
    Envelope,
    InteractionFacts,
    InteractionIdentifiedV1,
)


@pytest.fixture
async def db(fresh_database_url: str) -> AsyncIterator[Database]:
    async with migrated(fresh_database_url, SERVICE) as database:
        yield database


async def received(db: Database, tenant_id: uuid.UUID, name: str) -> uuid.UUID:
    data = InteractionCreate(
        channel="email",
        author={"name": name, "email": f"{name.lower()}@example.de"},
        subject="Vertrag 4711",
        text=f"Hallo, hier schreibt {name}. Meine Nummer ist 0171 2345678.",
    )
    async with db.session() as session:
        accepted = await receive(session, tenant_id=tenant_id, data=data, correlation_id="test")
    return accepted.id


def identified(
    tenant_id: uuid.UUID, interaction_id: uuid.UUID, customer_id: uuid.UUID
) -> Envelope[Any]:
    facts = InteractionFacts(channel="email", visibility="private", occurred_at="2026-12-01T10:00Z")
    return event(
        tenant_id,
        InteractionIdentifiedV1(
            interaction_id=interaction_id,
            facts=facts,
            customer_id=customer_id,
            decision="match",
            probability=0.99,
        ),
    )


async def interactions(db: Database, tenant_id: uuid.UUID) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await sql(
        db.url,
        "SELECT id, customer_id, text, author::text AS author, status "
        "FROM ingest.interactions WHERE tenant_id = $1",
        tenant_id,
    )
    return {r["id"]: dict(r) for r in rows}


async def test_events_delivered_after_an_erasure_link_nothing_to_the_person(
    db: Database,
) -> None:
    tenant_id, erin, other, merged = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # Erin's interaction, identified before her erasure and delivered after it.
    late = await received(db, tenant_id, "Erin")
    # An interaction of someone merged into Erin before her erasure.
    of_merged = await received(db, tenant_id, "Mia")
    await deliver(db, on_identified, identified(tenant_id, of_merged, merged))
    # Erin had been merged into another customer; the unmerge comes after her erasure.
    restored = await received(db, tenant_id, "Erin")
    await deliver(db, on_identified, identified(tenant_id, restored, other))
    kept = await received(db, tenant_id, "Otto")
    await deliver(db, on_identified, identified(tenant_id, kept, other))

    await deliver(db, on_customer_erased, event(tenant_id, CustomerErasedV1(customer_id=erin)))
    for handler, late_event in [
        (on_identified, identified(tenant_id, late, erin)),
        (
            on_customer_merged,
            event(tenant_id, CustomerMergedV1(survivor_id=erin, merged_id=merged)),
        ),
        (
            on_customer_unmerged,
            event(
                tenant_id,
                CustomerUnmergedV1(survivor_id=other, restored_id=erin, interaction_ids=[restored]),
            ),
        ),
    ]:
        await deliver(db, handler, late_event)

    held = await interactions(db, tenant_id)
    for interaction_id in (late, of_merged, restored):
        assert held[interaction_id]["customer_id"] is None
        assert (held[interaction_id]["text"], held[interaction_id]["author"]) == ("", "{}")
    # The late identification still moves the interaction along the pipeline.
    assert held[late]["status"] == "identified"
    # Nobody erased keeps what is theirs.
    assert held[kept]["customer_id"] == other
    assert "Otto" in held[kept]["text"]
    tombstones = await sql(
        db.url,
        "SELECT * FROM ingest.erased_customers WHERE tenant_id = $1 ORDER BY customer_id",
        tenant_id,
    )
    # Ids and time only: no personal data.
    assert {tuple(sorted(dict(t))) for t in tombstones} == {
        ("customer_id", "erased_at", "tenant_id")
    }
    assert {t["customer_id"] for t in tombstones} == {erin, merged}


async def test_an_erasure_racing_an_identification_leaves_nothing_of_the_person(
    db: Database,
) -> None:
    tenant_id = uuid.uuid4()
    for _ in range(10):
        erin = uuid.uuid4()
        interaction_id = await received(db, tenant_id, "Erin")
        await asyncio.gather(
            deliver(db, on_identified, identified(tenant_id, interaction_id, erin)),
            deliver(db, on_customer_erased, event(tenant_id, CustomerErasedV1(customer_id=erin))),
        )
    held = await interactions(db, tenant_id)
    assert len(held) == 10
    assert {(i["customer_id"], i["text"], i["author"]) for i in held.values()} == {(None, "", "{}")}


async def messenger(
    db: Database,
    tenant_id: uuid.UUID,
    thread: str,
    text: str,
    *,
    direction: str = "inbound",
    visibility: str = "private",
) -> uuid.UUID:
    """A Messenger message, threaded by the page and the person's page-scoped id; the page's
    own messages (echoes) carry the same key."""
    data = InteractionCreate(
        channel="facebook",
        direction=direction,
        visibility=visibility,
        external_id=f"m_{uuid.uuid4().hex}",
        author={"name": "ACME Telco" if direction == "outbound" else "Erin"},
        text=text,
        thread_key=thread,
    )
    async with db.session() as session:
        accepted = await receive(session, tenant_id=tenant_id, data=data, correlation_id="t")
    return accepted.id


async def test_an_erasure_leaves_neither_the_thread_nor_the_similarity_key_of_the_persons_items(
    db: Database,
) -> None:
    tenant_id, erin, otto = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    erins_thread, ottos_thread = "104857600012345:7209183746501928", "104857600012345:1"
    linked = await messenger(db, tenant_id, erins_thread, "Mein Router ist seit Tagen tot.")
    late = await messenger(db, tenant_id, erins_thread, "Immer noch kein Internet.")
    kept = await messenger(db, tenant_id, ottos_thread, "Die Rechnung ist falsch.")
    await deliver(db, on_identified, identified(tenant_id, linked, erin))
    await deliver(db, on_identified, identified(tenant_id, kept, otto))
    await deliver(db, on_customer_erased, event(tenant_id, CustomerErasedV1(customer_id=erin)))
    # Identified as Erin before her erasure, delivered after it.
    await deliver(db, on_identified, identified(tenant_id, late, erin))

    rows = await sql(
        db.url,
        "SELECT id, thread_key, similarity_key FROM ingest.interactions WHERE tenant_id = $1",
        tenant_id,
    )
    held = {r["id"]: (r["thread_key"], r["similarity_key"]) for r in rows}
    assert held[linked] == held[late] == (None, None)
    # Nobody erased keeps what is theirs.
    assert held[kept][0] == ottos_thread
    assert held[kept][1]


async def test_an_erasure_reaches_what_the_page_sent_the_person_in_their_private_threads(
    db: Database,
) -> None:
    tenant_id, erin, otto = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    page = "104857600012345"

    # Messenger threads a conversation by the page and the person's page-scoped id; the page's
    # own messages (echoes) carry the same key and are linked to no customer.
    erins, erins_later, ottos = f"{page}:7209183746501928", f"{page}:72091837", f"{page}:1"
    linked = await messenger(db, tenant_id, erins, "Mein Router ist seit Tagen tot.")
    to_erin = await messenger(
        db, tenant_id, erins, "Hallo Frau Quackenbush, Ihr Anschluss in Kiel…", direction="outbound"
    )
    late = await messenger(db, tenant_id, erins_later, "Immer noch kein Internet.")
    to_erin_later = await messenger(
        db, tenant_id, erins_later, "Frau Quackenbush, der Techniker…", direction="outbound"
    )
    from_otto = await messenger(db, tenant_id, ottos, "Die Rechnung ist falsch.")
    to_otto = await messenger(
        db, tenant_id, ottos, "Herr Otto, wir prüfen die Rechnung.", direction="outbound"
    )
    # A public post's comments hold replies to other people as well: not the person's thread.
    post = f"{page}_555"
    public = await messenger(db, tenant_id, post, "Seit Tagen kein Internet!", visibility="public")
    public_reply = await messenger(
        db, tenant_id, post, "Wir kümmern uns.", direction="outbound", visibility="public"
    )

    await deliver(db, on_identified, identified(tenant_id, linked, erin))
    await deliver(db, on_identified, identified(tenant_id, public, erin))
    await deliver(db, on_identified, identified(tenant_id, from_otto, otto))
    await deliver(db, on_customer_erased, event(tenant_id, CustomerErasedV1(customer_id=erin)))
    # Identified as Erin before her erasure, delivered after it.
    await deliver(db, on_identified, identified(tenant_id, late, erin))

    rows = await sql(
        db.url,
        "SELECT id, text, thread_key, metadata::text AS meta FROM ingest.interactions "
        "WHERE tenant_id = $1",
        tenant_id,
    )
    held = {r["id"]: (r["text"], r["thread_key"]) for r in rows}
    for erased in (linked, to_erin, late, to_erin_later, public):
        assert held[erased] == ("", None)
    assert {r["meta"] for r in rows if r["id"] in (to_erin, to_erin_later)} == {'{"erased": true}'}
    # Nobody erased keeps what is theirs, and the page's public reply stays.
    assert held[to_otto] == ("Herr Otto, wir prüfen die Rechnung.", ottos)
    assert held[from_otto][1] == ottos
    assert held[public_reply] == ("Wir kümmern uns.", post)


async def replied(db: Database, tenant_id: uuid.UUID, interaction_id: uuid.UUID, text: str) -> str:
    """An agent's reply to the interaction; the text as stored."""
    async with db.session() as session:
        out = await respond(
            session,
            tenant_id=tenant_id,
            interaction_id=interaction_id,
            data=ResponseCreate(text=text),
            agent_id="agent-7",
            correlation_id="t",
        )
    return out.text


async def test_an_erasure_drops_the_text_of_the_agents_replies_to_the_person(
    db: Database,
) -> None:
    tenant_id, erin, otto = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    thread = "104857600012345:7209183746501928"
    linked = await received(db, tenant_id, "Erin")
    late = await received(db, tenant_id, "Erin")
    ottos = await received(db, tenant_id, "Otto")
    from_erin = await messenger(db, tenant_id, thread, "Mein Router ist seit Tagen tot.")
    to_erin = await messenger(db, tenant_id, thread, "Frau Quackenbush…", direction="outbound")
    await replied(db, tenant_id, linked, "Liebe Frau Quackenbush, Ihr Vertrag 4711…")
    await replied(db, tenant_id, linked, "Frau Quackenbush, der Techniker kommt morgen.")
    await replied(db, tenant_id, late, "Frau Quackenbush, noch eine Frage…")
    await replied(db, tenant_id, to_erin, "Nachtrag für Frau Quackenbush")
    await replied(db, tenant_id, ottos, "Lieber Herr Otto, wir prüfen die Rechnung.")

    await deliver(db, on_identified, identified(tenant_id, linked, erin))
    await deliver(db, on_identified, identified(tenant_id, from_erin, erin))
    await deliver(db, on_identified, identified(tenant_id, ottos, otto))
    await deliver(db, on_customer_erased, event(tenant_id, CustomerErasedV1(customer_id=erin)))
    # Identified as Erin before her erasure, delivered after it.
    await deliver(db, on_identified, identified(tenant_id, late, erin))
    # An agent who saw the interaction before the erasure replies after it: the reply stops
    # the clock, but no later erasure could find its text.
    assert await replied(db, tenant_id, linked, "Frau Quackenbush, sind Sie noch da?") == ""

    rows = await sql(
        db.url,
        "SELECT interaction_id, text, channel, visibility, agent_id, created_at "
        "FROM ingest.responses WHERE tenant_id = $1",
        tenant_id,
    )
    assert len(rows) == 6
    assert "Quackenbush" not in str([dict(r) for r in rows])
    erins = [r for r in rows if r["interaction_id"] != ottos]
    assert {r["text"] for r in erins} == {""}
    # What response counts and times are made of stays.
    assert sorted(r["interaction_id"] for r in erins) == sorted([linked] * 3 + [late, to_erin])
    assert all(r["agent_id"] == "agent-7" and r["created_at"] and r["channel"] for r in erins)
    assert [r["text"] for r in rows if r["interaction_id"] == ottos] == [
        "Lieber Herr Otto, wir prüfen die Rechnung."
    ]


async def test_metadata_saying_erased_does_not_make_an_interaction_erased(db: Database) -> None:
    """Only an erasure erases: an integrator's own {"erased": true} keeps the replies' text."""
    tenant_id = uuid.uuid4()
    data = InteractionCreate(
        channel="email",
        author={"name": "Ida", "email": "ida@example.de"},
        text="Bitte rufen Sie mich an.",
        metadata={"erased": True},
    )
    async with db.session() as session:
        accepted = await receive(session, tenant_id=tenant_id, data=data, correlation_id="t")
    assert await replied(db, tenant_id, accepted.id, "Gern, Frau Ida.") == "Gern, Frau Ida."
    ida = uuid.uuid4()
    await deliver(db, on_identified, identified(tenant_id, accepted.id, ida))
    await deliver(db, on_customer_erased, event(tenant_id, CustomerErasedV1(customer_id=ida)))
    assert await replied(db, tenant_id, accepted.id, "Noch etwas, Frau Ida?") == ""
