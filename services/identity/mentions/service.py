"""Attributing the people a news or blog item names to customers (`customer.mentioned.v1`).

Read-only towards the master: a mention creates no prospect, no identity and no review.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.customers import identifiers, repository
from services.identity.customers.models import Customer
from services.identity.customers.service import identity_keys, snapshot
from services.identity.db import messaging
from services.identity.matching import Resolver
from services.identity.mentions.policy import POLICY, MentionPolicy, accepts_name, mentioned
from services.identity.resolution import records
from services.identity.resolution import service as resolution
from shared import emit, get_logger
from shared.contracts import CustomerMentionedV1, Envelope, PublicationReceivedV1

__all__ = ["attribute_mentions", "resolve_mentions"]

SOURCE = "resonance/identity"
NETWORKS = tuple(sorted(set(identifiers.CHANNEL_NETWORK.values())))
log = get_logger("identity.mentions")


@dataclass(frozen=True, slots=True)
class Attribution:
    customer_id: uuid.UUID
    matched_by: str  # handle or name
    probability: float


@cache
def _population_tables() -> dict[str, Any]:
    """Name frequencies of a general population: the priors', whatever the tenant fitted."""
    return resolution.priors(0).tf


def _handle_keys(handle: str | None) -> list[tuple[str, str]]:
    """Identity keys of a handle on every network: an article does not say which one."""
    if not handle:
        return []
    return [key for net in NETWORKS for key in identity_keys(handles={net: handle})]


async def _by_handle(
    session: AsyncSession, *, tenant_id: uuid.UUID, handle: str
) -> Attribution | None:
    found = await repository.find_by_identities(
        session, tenant_id=tenant_id, keys=_handle_keys(handle)
    )
    owners = {i.customer_id for i in found}
    if len(owners) != 1:  # nobody, or different people on different networks: not exact
        return None
    return Attribution(found[0].customer_id, "handle", 1.0 if found[0].verified else 0.99)


async def _by_name(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    name: str,
    resolver: Resolver,
    policy: MentionPolicy,
) -> Attribution | None:
    fragment = records.fragment_record(name=name)
    if not accepts_name("match", fragment, _population_tables(), policy):
        return None  # not distinctive: spare the lookup
    outcome = await resolution.resolve(
        session, tenant_id=tenant_id, fragment=fragment, resolver=resolver
    )
    if outcome.customer_id is None or not accepts_name(
        outcome.decision, fragment, _population_tables(), policy
    ):
        return None
    return Attribution(outcome.customer_id, "name", outcome.probability)


async def _authors(
    session: AsyncSession, *, tenant_id: uuid.UUID, p: PublicationReceivedV1
) -> set[uuid.UUID]:
    """Customers the byline's identifiers belong to: an item is not a mention of its writer."""
    author = p.author
    keys = identity_keys(emails=[author.email] if author.email else [])
    keys += _handle_keys(author.handle)
    found = await repository.find_by_identities(session, tenant_id=tenant_id, keys=keys)
    return {i.customer_id for i in found}


async def resolve_mentions(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    p: PublicationReceivedV1,
    policy: MentionPolicy = POLICY,
) -> list[tuple[Customer, Attribution]]:
    """The customers an item names, each once (a handle beats a name), without its author."""
    people = mentioned(p, policy)
    if not people.names and not people.handles:
        return []
    best: dict[uuid.UUID, Attribution] = {}
    for handle in people.handles:
        found = await _by_handle(session, tenant_id=tenant_id, handle=handle)
        if found is not None:
            best.setdefault(found.customer_id, found)
    if people.names:
        resolver = await resolution.resolver_for(session, tenant_id=tenant_id)
        for name in people.names:
            found = await _by_name(
                session, tenant_id=tenant_id, name=name, resolver=resolver, policy=policy
            )
            if found is not None and found.customer_id not in best:
                best[found.customer_id] = found
    if not best:
        return []
    excluded = await _authors(session, tenant_id=tenant_id, p=p)
    out = []
    for customer_id, attribution in best.items():
        if customer_id in excluded:
            continue
        customer = await repository.get(session, tenant_id=tenant_id, customer_id=customer_id)
        if customer is not None and customer.merged_into is None:
            out.append((customer, attribution))
    return out


async def attribute_mentions(session: AsyncSession, event: Envelope[Any]) -> None:
    """Announce every customer a news or blog item names, in the consumer's transaction."""
    p: PublicationReceivedV1 = event.payload
    found = await resolve_mentions(session, tenant_id=event.tenant_id, p=p)
    for customer, attribution in found:
        payload = CustomerMentionedV1(
            customer_id=customer.id,
            interaction_id=p.interaction_id,
            channel=p.channel,
            outlet=p.outlet,
            url=p.url,
            published_at=p.published_at,
            matched_by=attribution.matched_by,  # type: ignore[arg-type]
            probability=min(max(attribution.probability, 0.0), 1.0),
            customer=await snapshot(session, customer),
        )
        await emit(
            session,
            messaging,
            Envelope.wrap(payload, source=SOURCE, tenant_id=event.tenant_id, causation=event),
        )
    log.info(
        "identity.mentions.attributed",
        interaction_id=str(p.interaction_id),
        candidates=len(p.mentioned),
        customers=len(found),
    )
