"""An erasure reaches the samples of incident clusters taken from the person's messages, in
whichever order the message, its identification and the erasure reach scoring.

The handlers run directly against a database of their own (real PostgreSQL, no worker).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from integration.test_scoring import sql
from support.handlers import deliver, event, migrated

from services.scoring.app import SERVICE
from services.scoring.incidents.service import observe
from services.scoring.scores.service import erase_customer, follow_merge, score_interaction
from shared import Database, make_similarity_key
from shared.contracts import (
    CustomerErasedV1,
    CustomerMergedV2,
    Envelope,
    InteractionFacts,
    InteractionIdentifiedV1,
    InteractionReceivedV1,
)

ERINS = "Erin Quackenbush hier: seit drei Tagen Totalausfall in Kiel, Vertrag 4711 wird gekündigt"
OTTOS = "Die Rechnung für Mai ist doppelt abgebucht worden, das ist eine Frechheit"


@pytest.fixture
async def db(fresh_database_url: str) -> AsyncIterator[Database]:
    async with migrated(fresh_database_url, SERVICE) as database:
        yield database


class Message:
    """One negative public post: as ingest announces it, and as identity names its author."""

    def __init__(self, tenant_id: uuid.UUID, text: str) -> None:
        self.tenant_id, self.text, self.id = tenant_id, text, uuid.uuid4()
        self.facts = InteractionFacts(
            channel="twitter",
            visibility="public",
            occurred_at=datetime.now(UTC),
            sentiment=-0.8,
            similarity_key=make_similarity_key(text),
        )

    def received(self) -> Envelope[Any]:
        payload = InteractionReceivedV1(interaction_id=self.id, facts=self.facts, text=self.text)
        return event(self.tenant_id, payload)

    def identified(self, customer_id: uuid.UUID) -> Envelope[Any]:
        payload = InteractionIdentifiedV1(
            interaction_id=self.id,
            facts=self.facts,
            customer_id=customer_id,
            decision="match",
            probability=0.99,
        )
        return event(self.tenant_id, payload)


def erased(tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Envelope[Any]:
    return event(tenant_id, CustomerErasedV1(customer_id=customer_id))


async def clusters(db: Database, tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await sql(
        db.url,
        "SELECT sample_text, representative_key, total FROM scoring.incident_clusters "
        "WHERE tenant_id = $1 ORDER BY first_seen",
        tenant_id,
    )
    return [dict(r) for r in rows]


def holds(cluster: dict[str, Any], text: str) -> bool:
    return text.split(":")[0] in (cluster["sample_text"] or "") or (
        cluster["representative_key"] == make_similarity_key(text)
    )


@pytest.mark.parametrize(
    "order",
    [
        "posted, identified, erased",
        "identified, posted, erased",
        "posted, erased, identified late",
        "identified, erased, posted late",
    ],
)
async def test_an_erasure_leaves_no_incident_sample_of_the_persons_messages(
    db: Database, order: str
) -> None:
    tenant_id, erin, otto = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    erins, ottos = Message(tenant_id, ERINS), Message(tenant_id, OTTOS)
    await deliver(db, observe, ottos.received())
    await deliver(db, score_interaction, ottos.identified(otto))
    steps = {
        "posted": (observe, erins.received()),
        "identified": (score_interaction, erins.identified(erin)),
        "erased": (erase_customer, erased(tenant_id, erin)),
    }
    for step in order.split(", "):
        handler, delivered = steps[step.removesuffix(" late")]
        await deliver(db, handler, delivered)

    held = await clusters(db, tenant_id)
    assert not [c for c in held if holds(c, ERINS)]
    # Nobody erased keeps what is theirs.
    [kept] = [c for c in held if c["sample_text"] and "Rechnung" in c["sample_text"]]
    assert kept["representative_key"] == make_similarity_key(OTTOS)
    # An incident sampled from the person's message keeps its numbers, without the sample.
    if order.startswith(("posted", "identified, posted")):
        assert [c["total"] for c in held if c["sample_text"] is None] == [1]
    # Nothing left links the person to their messages.
    linked = await sql(
        db.url,
        "SELECT 1 FROM scoring.incident_authors WHERE tenant_id = $1 AND customer_id = $2",
        tenant_id,
        erin,
    )
    assert linked == []


async def test_an_erasure_reaches_the_samples_of_customers_merged_into_the_person(
    db: Database,
) -> None:
    tenant_id, erin, duplicate = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    erins = Message(tenant_id, ERINS)
    await deliver(db, observe, erins.received())
    # Identified as a duplicate profile of Erin, merged into her since.
    await deliver(db, score_interaction, erins.identified(duplicate))
    merge = CustomerMergedV2(survivor_id=erin, merged_id=duplicate)
    await deliver(db, follow_merge, event(tenant_id, merge))
    await deliver(db, erase_customer, erased(tenant_id, erin))

    [cluster] = await clusters(db, tenant_id)
    assert not holds(cluster, ERINS)
    assert cluster["sample_text"] is None


async def test_a_cluster_sampled_from_an_erased_persons_message_takes_no_new_messages(
    db: Database,
) -> None:
    tenant_id, erin = uuid.uuid4(), uuid.uuid4()
    first = Message(tenant_id, ERINS)
    await deliver(db, observe, first.received())
    await deliver(db, score_interaction, first.identified(erin))
    await deliver(db, erase_customer, erased(tenant_id, erin))
    # Somebody else posts the same complaint: it starts a cluster of its own, sampled from it.
    again = Message(tenant_id, ERINS.replace("Erin Quackenbush", "Karl Kunde"))
    await deliver(db, observe, again.received())

    held = await clusters(db, tenant_id)
    assert [(c["sample_text"] is None, c["total"]) for c in held] == [(True, 1), (False, 1)]
    assert "Karl Kunde" in held[1]["sample_text"]


async def test_an_erasure_racing_a_message_joining_the_incidents_leaves_no_sample_of_it(
    db: Database,
) -> None:
    for _ in range(10):
        tenant_id, erin = uuid.uuid4(), uuid.uuid4()
        erins = Message(tenant_id, ERINS)
        # Identity was quicker than the incident detection.
        await deliver(db, score_interaction, erins.identified(erin))
        await asyncio.gather(
            deliver(db, observe, erins.received()),
            deliver(db, erase_customer, erased(tenant_id, erin)),
        )
        assert not [c for c in await clusters(db, tenant_id) if holds(c, ERINS)]
