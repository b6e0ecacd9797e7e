"""Who wrote the messages incident clusters are sampled from, so an erasure reaches the samples.

A cluster keeps the text and the similarity key of its first message. Clusters are built from
`interaction.received.v1`, before identity names the author, so scoring notes the author of
each message that may join a cluster when the identification arrives (ids only), whichever of
the two comes first; an erasure then clears the samples taken from the person's messages.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.incidents import repository
from shared.contracts import InteractionFacts

__all__ = ["could_join", "forget_customer", "note_author"]


def could_join(facts: InteractionFacts) -> bool:
    """Whether a message may join an incident cluster (inbound, public, with a similarity key),
    before the tenant's configuration narrows it down."""
    return (
        facts.direction == "inbound" and facts.visibility == "public" and bool(facts.similarity_key)
    )


async def note_author(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    interaction_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    now: datetime,
) -> None:
    """Identity named the message's author; None: a customer erased since, whose message is no
    cluster's sample from now on. The caller holds the customer's turn."""
    await repository.note_author(
        session,
        tenant_id=tenant_id,
        interaction_id=interaction_id,
        customer_id=customer_id,
        now=now,
    )
    if customer_id is None:
        # After the customer's turn, as everywhere: customer turns first, the tenant's last.
        await repository.lock_tenant(session, tenant_id=tenant_id)
        await repository.erase_samples(
            session, tenant_id=tenant_id, interaction_ids=[interaction_id]
        )


async def forget_customer(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> int:
    """Erasure: the samples taken from the customer's messages go; returns how many. The caller
    holds the customer's turn and takes no customer's turn after this."""
    await repository.lock_tenant(session, tenant_id=tenant_id)
    return await repository.erase_author(session, tenant_id=tenant_id, customer_id=customer_id)
