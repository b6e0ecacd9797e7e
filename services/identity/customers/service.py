"""Customer master data and identification of who wrote an interaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.customers import identifiers, repository
from services.identity.customers.models import Customer
from services.identity.customers.schemas import (
    Customer as CustomerOut,
)
from services.identity.customers.schemas import (
    CustomerCreate,
    CustomerUpdate,
    IdentityOut,
    PersonRecord,
    Resolution,
    SocialProfileIn,
)
from services.identity.db import messaging
from shared import Conflict, NotFound, UnprocessableEntity, emit
from shared.contracts import (
    CustomerErasedV1,
    CustomerSnapshot,
    Envelope,
    InteractionIdentifiedV1,
    InteractionReceivedV1,
    MatchExplanation,
)

SOURCE = "resonance/identity"


def identity_keys(
    *,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    handles: dict[str, str] | None = None,
    customer_numbers: Sequence[str] = (),
) -> list[tuple[str, str]]:
    """(kind, canonical value) pairs for every usable identifier."""
    keys: list[tuple[str, str]] = []
    for raw in emails:
        if value := identifiers.email(raw):
            keys.append(("email", value))
    for raw in phones:
        if value := identifiers.phone(raw):
            keys.append(("phone", value))
    for network, raw in (handles or {}).items():
        if value := identifiers.handle(network, raw):
            keys.append(("handle", value))
    for raw in customer_numbers:
        if value := identifiers.customer_number(raw):
            keys.append(("customer_number", value))
    return keys


def _invalid_identifiers(data: CustomerCreate | CustomerUpdate) -> list[dict[str, Any]]:
    errors = []
    for i, raw in enumerate(data.emails or []):
        if identifiers.email(raw) is None:
            errors.append({"loc": ["body", "emails", str(i)], "msg": "not an email address"})
    for i, raw in enumerate(data.phones or []):
        if identifiers.phone(raw) is None:
            errors.append({"loc": ["body", "phones", str(i)], "msg": "not a phone number"})
    return errors


async def to_out(session: AsyncSession, customer: Customer) -> CustomerOut:
    out = CustomerOut.model_validate(customer)
    out.identities = [
        IdentityOut.model_validate(i)
        for i in await repository.identities_of(session, customer_id=customer.id)
    ]
    out.social_profiles = {
        p.network: p.data for p in await repository.profiles_of(session, customer_id=customer.id)
    }
    return out


async def create(
    session: AsyncSession, *, tenant_id: uuid.UUID, data: CustomerCreate
) -> CustomerOut:
    """A customer from master data; its identifiers count as verified."""
    if errors := _invalid_identifiers(data):
        raise UnprocessableEntity("Some identifiers are not valid.", errors=errors)
    number = identifiers.customer_number(data.customer_number)
    if number and await repository.number_taken(
        session, tenant_id=tenant_id, customer_number=number, other_than=None
    ):
        raise Conflict(f"Customer number {number} exists already.")
    now = datetime.now(UTC)
    customer = Customer(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        **data.model_dump(exclude={"emails", "phones", "handles", "customer_number"}),
        customer_number=number,
        emails=[identifiers.email(e) for e in data.emails],
        phones=[identifiers.phone(p) for p in data.phones],
        handles={k: v.lstrip("@") for k, v in data.handles.items()},
        is_prospect=False,
        created_at=now,
        updated_at=now,
    )
    session.add(customer)
    await session.flush()
    keys = identity_keys(
        emails=data.emails,
        phones=data.phones,
        handles=data.handles,
        customer_numbers=[number] if number else [],
    )
    taken = await repository.add_identities(
        session, tenant_id=tenant_id, customer_id=customer.id, keys=keys, verified=True
    )
    if taken:
        raise Conflict(
            "Some identifiers belong to another customer.",
            errors=[{"kind": k, "value": v} for k, v in taken],
        )
    return await to_out(session, customer)


async def get(session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Customer:
    customer = await repository.get(session, tenant_id=tenant_id, customer_id=customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    return customer


async def update(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, data: CustomerUpdate
) -> CustomerOut:
    customer = await repository.get(
        session, tenant_id=tenant_id, customer_id=customer_id, lock=True
    )
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    if errors := _invalid_identifiers(data):
        raise UnprocessableEntity("Some identifiers are not valid.", errors=errors)
    changes = data.model_dump(exclude_unset=True)
    if "customer_number" in changes:
        number = identifiers.customer_number(changes["customer_number"])
        if number and await repository.number_taken(
            session, tenant_id=tenant_id, customer_number=number, other_than=customer_id
        ):
            raise Conflict(f"Customer number {number} exists already.")
        changes["customer_number"] = number
        await repository.remove_identities(
            session, customer_id=customer_id, kinds=["customer_number"]
        )
        if number:
            await repository.add_identities(
                session,
                tenant_id=tenant_id,
                customer_id=customer_id,
                keys=[("customer_number", number)],
                verified=True,
            )
    replaced: dict[str, list[tuple[str, str]]] = {}
    if data.emails is not None:
        changes["emails"] = [identifiers.email(e) for e in data.emails]
        replaced["email"] = identity_keys(emails=data.emails)
    if data.phones is not None:
        changes["phones"] = [identifiers.phone(p) for p in data.phones]
        replaced["phone"] = identity_keys(phones=data.phones)
    if data.handles is not None:
        changes["handles"] = {k: v.lstrip("@") for k, v in data.handles.items()}
        replaced["handle"] = identity_keys(handles=data.handles)
    if replaced:
        await repository.remove_identities(session, customer_id=customer_id, kinds=list(replaced))
        taken = await repository.add_identities(
            session,
            tenant_id=tenant_id,
            customer_id=customer_id,
            keys=[k for keys in replaced.values() for k in keys],
            verified=True,
        )
        if taken:
            raise Conflict(
                "Some identifiers belong to another customer.",
                errors=[{"kind": k, "value": v} for k, v in taken],
            )
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.is_prospect = False if changes else customer.is_prospect
    customer.updated_at = datetime.now(UTC)
    await session.flush()
    return await to_out(session, customer)


async def put_social_profile(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    network: str,
    data: SocialProfileIn,
) -> CustomerOut:
    customer = await get(session, tenant_id=tenant_id, customer_id=customer_id)
    await repository.upsert_profile(
        session,
        tenant_id=tenant_id,
        customer_id=customer_id,
        network=network,
        data=data.model_dump(exclude_none=True),
    )
    if data.handle and (key := identifiers.handle(network, data.handle)):
        await repository.add_identities(
            session,
            tenant_id=tenant_id,
            customer_id=customer_id,
            keys=[("handle", key)],
            verified=True,
        )
    return await to_out(session, customer)


async def erase(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, correlation_id: str
) -> None:
    """GDPR erasure here, and an event every other service acts on."""
    await get(session, tenant_id=tenant_id, customer_id=customer_id)
    await repository.delete(session, customer_id=customer_id)
    await emit(
        session,
        messaging,
        Envelope.wrap(
            CustomerErasedV1(customer_id=customer_id),
            source=SOURCE,
            tenant_id=tenant_id,
            correlation_id=correlation_id,
        ),
    )


async def resolve_exact(
    session: AsyncSession, *, tenant_id: uuid.UUID, keys: list[tuple[str, str]]
) -> Resolution:
    """Deterministic step: the same verified identifier means the same person."""
    found = await repository.find_by_identities(session, tenant_id=tenant_id, keys=keys)
    if not found:
        return Resolution(customer_id=None, probability=0.0, decision="no_match")
    best = found[0]
    explanation = [
        {
            "field": i.kind,
            "comparison": "exact" + (" (verified)" if i.verified else ""),
            "weight": 20.0,
        }
        for i in found
        if i.customer_id == best.customer_id
    ]
    return Resolution(
        customer_id=best.customer_id,
        probability=1.0 if best.verified else 0.99,
        decision="match",
        explanation=explanation,
    )


def record_keys(record: PersonRecord) -> list[tuple[str, str]]:
    return identity_keys(
        emails=[record.email] if record.email else [],
        phones=[record.phone] if record.phone else [],
        handles={record.network or "twitter": record.handle} if record.handle else None,
        customer_numbers=[record.customer_number] if record.customer_number else [],
    )


async def resolve_records(
    session: AsyncSession, *, tenant_id: uuid.UUID, records: list[PersonRecord]
) -> list[Resolution]:
    return [await resolve_exact(session, tenant_id=tenant_id, keys=record_keys(r)) for r in records]


async def snapshot(session: AsyncSession, customer: Customer) -> CustomerSnapshot:
    profiles = await repository.profiles_of(session, customer_id=customer.id)
    return CustomerSnapshot(
        customer_id=customer.id,
        tier=customer.tier,
        value=customer.value,
        is_prospect=customer.is_prospect,
        tenure_days=(datetime.now(UTC) - customer.created_at).days,
        social_profiles={p.network: p.data for p in profiles},
    )


async def identify_interaction(session: AsyncSession, event: Envelope[Any]) -> None:
    """Who wrote this? Attach to a known person or create a prospect profile, then announce."""
    p: InteractionReceivedV1 = event.payload
    author = p.facts.author
    network = identifiers.CHANNEL_NETWORK.get(p.facts.channel)
    by_kind: dict[str, list[str]] = {}
    for feature in p.extracted:
        by_kind.setdefault(feature.kind, []).append(feature.value)
    keys = identity_keys(
        emails=[author.email, *by_kind.get("email", [])]
        if author.email
        else by_kind.get("email", []),
        phones=[author.phone, *by_kind.get("phone", [])]
        if author.phone
        else by_kind.get("phone", []),
        handles={network: author.handle} if network and author.handle else None,
        customer_numbers=by_kind.get("customer_number", []),
    )
    resolution = await resolve_exact(session, tenant_id=event.tenant_id, keys=keys)
    customer: Customer | None = None
    if resolution.customer_id is not None:
        customer = await repository.get(
            session, tenant_id=event.tenant_id, customer_id=resolution.customer_id
        )
    elif keys:
        now = datetime.now(UTC)
        customer = Customer(
            id=uuid.uuid4(),
            tenant_id=event.tenant_id,
            display_name=author.name,
            emails=[v for k, v in keys if k == "email"],
            phones=[v for k, v in keys if k == "phone"],
            handles={network: author.handle.lstrip("@")} if network and author.handle else {},
            is_prospect=True,
            created_at=now,
            updated_at=now,
        )
        session.add(customer)
        await session.flush()
        taken = await repository.add_identities(
            session,
            tenant_id=event.tenant_id,
            customer_id=customer.id,
            keys=[k for k in keys if k[0] != "customer_number"],
            verified=False,
        )
        if taken:  # another message created this person concurrently: retry and attach
            raise RuntimeError("identity claimed concurrently; retrying")
    payload = InteractionIdentifiedV1(
        interaction_id=p.interaction_id,
        facts=p.facts,
        customer_id=customer.id if customer else None,
        decision=resolution.decision,
        probability=resolution.probability,
        explanation=[MatchExplanation(**e) for e in resolution.explanation],
        customer=await snapshot(session, customer) if customer else None,
    )
    await emit(
        session,
        messaging,
        Envelope.wrap(payload, source=SOURCE, tenant_id=event.tenant_id, causation=event),
    )
