"""Customer master data and identification of who wrote an interaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.customers import identifiers, repository
from services.identity.customers.models import Customer, Merge
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
from services.identity.imports.service import forget_loaded, loaded_identities
from services.identity.jobs import repository as jobs_repository
from services.identity.resolution import records
from services.identity.resolution import repository as resolution_repository
from services.identity.resolution import service as resolution
from services.identity.resolution.models import Decision, Review
from shared import Conflict, NotFound, UnprocessableEntity, emit, get_logger, uuid7
from shared.contracts import (
    CustomerErasedV1,
    CustomerMergedV1,
    CustomerMergedV2,
    CustomerSnapshot,
    CustomerUnmergedV1,
    CustomerUnmergedV2,
    Envelope,
    EventPayload,
    InteractionFacts,
    InteractionIdentifiedV1,
    InteractionReceivedV1,
    MatchExplanation,
)

SOURCE = "resonance/identity"
log = get_logger("identity.customers")


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
        if value := identifiers.email_key(raw):
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
        id=uuid7(),
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
    await resolution.index_customer(session, customer)
    return await to_out(session, customer)


async def get(session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Customer:
    customer = await repository.get(session, tenant_id=tenant_id, customer_id=customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    return customer


async def _settled(session: AsyncSession, *customers: Customer) -> None:
    """Refuse to change customers an initial load is still writing (their identifiers are
    built at its end: a change now would be overwritten or lost)."""
    for customer in customers:
        if await jobs_repository.loading(session, job_id=customer.imported_by):
            raise Conflict(
                f"Customer {customer.id} is being imported (job {customer.imported_by}); "
                "change it once that import has finished."
            )


async def update(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, data: CustomerUpdate
) -> CustomerOut:
    customer = await repository.get(
        session, tenant_id=tenant_id, customer_id=customer_id, lock=True
    )
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    await _settled(session, customer)
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
    await resolution.index_customer(session, customer)
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
    await _settled(session, customer)
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
    """GDPR erasure here (master data, identities, standardised form, blocking keys, decisions,
    reviews, merge history, and the rows merged into this person), and an event for the rest."""
    customer = await get(session, tenant_id=tenant_id, customer_id=customer_id)
    if await jobs_repository.loading(session, job_id=customer.imported_by):
        # Merges are refused meanwhile: no other customer is merged into this one.
        await forget_loaded(session, job_id=customer.imported_by, customer_ids=[customer_id])
    erased = [customer_id]
    pending = [customer_id]
    while pending:  # rows merged into this person are this person too
        children = await repository.merged_into(session, customer_id=pending.pop())
        erased.extend(children)
        pending.extend(children)
    for cid in erased:
        await resolution_repository.erase_records(session, customer_id=cid)
        await resolution_repository.erase_decisions_and_reviews(session, customer_id=cid)
        await repository.erase_merges(session, customer_id=cid)
    for cid in reversed(erased):
        await repository.delete(session, customer_id=cid)
    await publish(
        session,
        *(CustomerErasedV1(customer_id=cid) for cid in erased),
        tenant_id=tenant_id,
        correlation_id=correlation_id,
    )


async def publish(
    session: AsyncSession,
    *payloads: EventPayload,
    tenant_id: uuid.UUID,
    correlation_id: str | None = None,
    causation: Envelope[Any] | None = None,
) -> None:
    """Announce identity's events, in order, in the transaction of the change they announce."""
    for payload in payloads:
        await emit(
            session,
            messaging,
            Envelope.wrap(
                payload,
                source=SOURCE,
                tenant_id=tenant_id,
                correlation_id=correlation_id,
                causation=causation,
            ),
        )


async def export(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> dict[str, Any]:
    """Everything identity holds about the person (GDPR access)."""
    customer = await get(session, tenant_id=tenant_id, customer_id=customer_id)
    out = (await to_out(session, customer)).model_dump(mode="json")
    if await jobs_repository.loading(session, job_id=customer.imported_by):
        # An initial load's, not built into `identities` yet (`imports.service._Load`).
        out["identities"] += [
            {"kind": kind, "value": value, "verified": True}
            for kind, value in await loaded_identities(
                session, job_id=customer.imported_by, customer_id=customer_id
            )
        ]
    match_records = await resolution_repository.records_of(session, customer_id=customer_id)
    out["standardised"] = [
        {"id": str(r.id), "record": r.record, "blocking_keys": r.keys} for r in match_records
    ]
    out["merges"] = [
        {
            "id": str(m.id),
            "survivor_id": str(m.survivor_id),
            "merged_id": str(m.merged_id),
            "moved": m.moved,
            "created_at": m.created_at.isoformat(),
            "undone_at": m.undone_at.isoformat() if m.undone_at else None,
        }
        for m in await repository.merges_of(session, customer_id=customer_id)
    ]
    out["reviews"] = [
        review_out(r)
        for r in await resolution_repository.reviews_of(session, customer_id=customer_id)
    ]
    out["decisions"] = [
        {
            "interaction_id": str(d.interaction_id) if d.interaction_id else None,
            "customer_id": str(d.customer_id) if d.customer_id else None,
            "candidate_id": str(d.candidate_id) if d.candidate_id else None,
            "decision": d.decision,
            "probability": d.probability,
            "rule": d.rule,
            "explanation": d.explanation,
            "model_version": d.model_version,
            "created_at": d.created_at.isoformat(),
        }
        for d in await resolution_repository.decisions_of(session, customer_id=customer_id)
    ]
    return out


def review_out(r: Review) -> dict[str, Any]:
    return {
        "id": str(r.id),
        "interaction_id": str(r.interaction_id),
        "candidate_id": str(r.candidate_id),
        "prospect_id": str(r.prospect_id) if r.prospect_id else None,
        "probability": r.probability,
        "explanation": r.explanation,
        "model_version": r.model_version,
        "author": r.facts.get("author", {}),
        "channel": r.facts.get("channel"),
        "state": r.state,
        "created_at": r.created_at.isoformat(),
        "decided_at": r.decided_at.isoformat() if r.decided_at else None,
    }


# --- merge and unmerge ---------------------------------------------------------------------------


async def merge(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    survivor_id: uuid.UUID,
    other_id: uuid.UUID,
    correlation_id: str | None = None,
    causation: Envelope[Any] | None = None,
) -> CustomerOut:
    """`other` becomes part of `survivor`: identities, standardised records and missing social
    profiles move; a merge record keeps what moved so that unmerge restores it."""
    if survivor_id == other_id:
        raise UnprocessableEntity("A customer cannot be merged into itself.")
    locked = await repository.lock_pair(session, tenant_id=tenant_id, ids=(survivor_id, other_id))
    survivor, other = locked.get(survivor_id), locked.get(other_id)
    if survivor is None or other is None:
        raise NotFound(f"Customer {survivor_id if survivor is None else other_id} does not exist.")
    for c in (survivor, other):
        if c.merged_into is not None:
            raise Conflict(f"Customer {c.id} is already merged into {c.merged_into}.")
    await _settled(session, survivor, other)
    identities = await repository.move_identities(session, from_id=other_id, to_id=survivor_id)
    moved_records = [
        r.id for r in await resolution_repository.records_of(session, customer_id=other_id)
    ]
    await resolution_repository.move_records(session, record_ids=moved_records, to=survivor_id)
    have = {p.network for p in await repository.profiles_of(session, customer_id=survivor_id)}
    theirs = [p.network for p in await repository.profiles_of(session, customer_id=other_id)]
    networks = [n for n in theirs if n not in have]
    await repository.move_profiles(session, from_id=other_id, to_id=survivor_id, networks=networks)
    now = datetime.now(UTC)
    other.merged_into = survivor_id
    other.updated_at = survivor.updated_at = now
    if survivor.is_prospect and not other.is_prospect:
        survivor.is_prospect = False
    await repository.add_merge(
        session,
        Merge(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            survivor_id=survivor_id,
            merged_id=other_id,
            moved={
                "identities": identities,
                "match_records": [str(r) for r in moved_records],
                "social_profiles": networks,
                "was_prospect": survivor.is_prospect,
            },
            created_at=now,
        ),
    )
    v1 = CustomerMergedV1(survivor_id=survivor_id, merged_id=other_id)
    # v2 adds the survivor's master data; v1 stays published while its consumers move over.
    v2 = CustomerMergedV2(**v1.model_dump(), survivor=await snapshot(session, survivor))
    await publish(
        session, v1, v2, tenant_id=tenant_id, correlation_id=correlation_id, causation=causation
    )
    log.info("identity.customer.merged", survivor_id=str(survivor_id), merged_id=str(other_id))
    return await to_out(session, survivor)


async def unmerge(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    survivor_id: uuid.UUID,
    merged_id: uuid.UUID | None,
    correlation_id: str,
) -> CustomerOut:
    """Undo a merge (the last one by default): what moved goes back."""
    record = await repository.last_merge(
        session, tenant_id=tenant_id, survivor_id=survivor_id, merged_id=merged_id
    )
    if record is None:
        await get(session, tenant_id=tenant_id, customer_id=survivor_id)
        raise NotFound(f"Customer {survivor_id} has no merge to undo.")
    locked = await repository.lock_pair(
        session, tenant_id=tenant_id, ids=(survivor_id, record.merged_id)
    )
    survivor, restored = locked.get(survivor_id), locked.get(record.merged_id)
    if survivor is None or restored is None:
        raise NotFound("A customer of this merge no longer exists.")
    await _settled(session, survivor, restored)
    if survivor.merged_into is not None:
        raise Conflict(
            f"Customer {survivor_id} is itself merged into {survivor.merged_into}; "
            "undo that merge first."
        )
    if restored.merged_into != survivor_id:
        raise Conflict(f"Customer {restored.id} is not merged into {survivor_id}.")
    moved = record.moved
    await repository.restore_identities(
        session,
        tenant_id=tenant_id,
        keys=moved.get("identities", []),
        from_id=survivor_id,
        to_id=restored.id,
    )
    await resolution_repository.move_records(
        session,
        record_ids=[uuid.UUID(r) for r in moved.get("match_records", [])],
        to=restored.id,
    )
    await repository.move_profiles(
        session, from_id=survivor_id, to_id=restored.id, networks=moved.get("social_profiles", [])
    )
    now = datetime.now(UTC)
    restored.merged_into = None
    restored.updated_at = survivor.updated_at = now
    if moved.get("was_prospect"):
        survivor.is_prospect = True
    record.undone_at = now
    interactions = await resolution_repository.interactions_of(session, customer_id=restored.id)
    await session.flush()
    v1 = CustomerUnmergedV1(
        survivor_id=survivor_id, restored_id=restored.id, interaction_ids=interactions
    )
    # v2 adds both customers' master data; v1 stays published while its consumers move over.
    v2 = CustomerUnmergedV2(
        **v1.model_dump(),
        survivor=await snapshot(session, survivor),
        restored=await snapshot(session, restored),
    )
    await publish(session, v1, v2, tenant_id=tenant_id, correlation_id=correlation_id)
    return await to_out(session, survivor)


# --- identification ----------------------------------------------------------------------------


def personal(keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The identifiers that single out one person (`identifiers.personal`)."""
    return [(k, v) for k, v in keys if identifiers.personal(k, v)]


async def resolve_exact(
    session: AsyncSession, *, tenant_id: uuid.UUID, keys: list[tuple[str, str]]
) -> Resolution:
    """Deterministic step: the same verified identifier means the same person."""
    found = await repository.find_by_identities(session, tenant_id=tenant_id, keys=personal(keys))
    return _exact(found)


def _exact(found: list[repository.Held]) -> Resolution:
    """The exact step's decision from the holders of a record's identifiers, verified first."""
    if not found:
        return Resolution(customer_id=None, probability=0.0, decision="no_match")
    best = found[0]
    explanation = [
        {
            "field": i.kind,
            "comparison": "exact" + (" (verified)" if i.verified else ""),
            "weight": resolution.EXACT_WEIGHT,
        }
        for i in found
        if i.customer_id == best.customer_id
    ]
    return Resolution(
        customer_id=best.customer_id,
        probability=1.0 if best.verified else 0.99,
        decision="match",
        explanation=explanation,
        rule="verified_identifier" if best.verified else "observed_identifier",
    )


def record_keys(record: PersonRecord) -> list[tuple[str, str]]:
    return identity_keys(
        emails=[record.email] if record.email else [],
        phones=[record.phone] if record.phone else [],
        handles={record.network or "twitter": record.handle} if record.handle else None,
        customer_numbers=[record.customer_number] if record.customer_number else [],
    )


async def resolve_records(
    session: AsyncSession, *, tenant_id: uuid.UUID, records_in: list[PersonRecord]
) -> list[Resolution]:
    """Exact identifiers first, then the model; read-only. Two round trips for any number of
    records: the holders of every record's identifiers, then the candidates of the rest."""
    resolver = await resolution.resolver_for(session, tenant_id=tenant_id)
    wanted = [set(personal(record_keys(record))) for record in records_in]
    held = await repository.find_by_identities(
        session, tenant_id=tenant_id, keys=[key for keys in wanted for key in keys]
    )
    # Each record's holders, in the order read: verified first.
    out = [_exact([h for h in held if (h.kind, h.value) in keys]) for keys in wanted]
    open_ = [n for n, exact in enumerate(out) if exact.customer_id is None]
    for n, exact in enumerate(out):
        if exact.customer_id is not None:
            out[n] = exact.model_copy(update={"model_version": resolver.model.version})
    outcomes = await resolution.resolve_many(
        session,
        tenant_id=tenant_id,
        fragments=[
            records.fragment_record(**records_in[n].model_dump(exclude={"network"})) for n in open_
        ],
        resolver=resolver,
    )
    for n, outcome in zip(open_, outcomes, strict=True):
        out[n] = Resolution(
            customer_id=outcome.customer_id,
            probability=outcome.probability,
            decision=outcome.decision,  # type: ignore[arg-type]
            explanation=outcome.explanation,
            model_version=outcome.model_version,
            also_matching=list(outcome.also_matching),
        )
    return out


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


def _author_keys(p: InteractionReceivedV1) -> tuple[list[tuple[str, str]], str | None]:
    author = p.facts.author
    network = identifiers.CHANNEL_NETWORK.get(p.facts.channel)
    by_kind: dict[str, list[str]] = {}
    for feature in p.extracted:
        by_kind.setdefault(feature.kind, []).append(feature.value)
    keys = identity_keys(
        emails=[e for e in (author.email, *by_kind.get("email", [])) if e],
        phones=[x for x in (author.phone, *by_kind.get("phone", [])) if x],
        handles={network: author.handle} if network and author.handle else None,
        customer_numbers=by_kind.get("customer_number", []),
    )
    return keys, network


def _fragment(p: InteractionReceivedV1) -> Any:
    author = p.facts.author
    extracted = [
        (f.kind, f.value)
        for f in sorted(p.extracted, key=lambda f: -f.confidence)
        if f.kind in ("name", "email", "phone", "customer_number", "address")
    ]
    return records.fragment_record(
        name=author.name,
        email=author.email,
        phone=author.phone,
        handle=author.handle,
        extracted=extracted,
    )


async def _new_prospect(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    p: InteractionReceivedV1,
    keys: list[tuple[str, str]],
    network: str | None,
) -> Customer:
    """An unknown person, so that later messages from the same handle or address attach."""
    author = p.facts.author
    # Identifiers somebody already holds (a household's landline) stay theirs.
    owned = {
        (i.kind, i.value)
        for i in await repository.find_by_identities(session, tenant_id=tenant_id, keys=keys)
    }
    keys = [k for k in keys if k not in owned]
    now = datetime.now(UTC)
    customer = Customer(
        id=uuid7(),
        tenant_id=tenant_id,
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
        tenant_id=tenant_id,
        customer_id=customer.id,
        keys=[k for k in keys if k[0] != "customer_number"],
        verified=False,
    )
    if taken:  # another message created this person concurrently: retry and attach
        raise RuntimeError("identity claimed concurrently; retrying")
    return customer


async def _announce(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    interaction_id: uuid.UUID,
    facts: Any,
    customer: Customer | None,
    decision: str,
    probability: float,
    explanation: list[dict[str, Any]],
    causation: Envelope[Any] | None = None,
    correlation_id: str | None = None,
) -> None:
    payload = InteractionIdentifiedV1(
        interaction_id=interaction_id,
        facts=facts,
        customer_id=customer.id if customer else None,
        decision=decision,  # type: ignore[arg-type]
        probability=min(max(probability, 0.0), 1.0),
        explanation=[MatchExplanation(**e) for e in explanation],
        customer=await snapshot(session, customer) if customer else None,
    )
    await publish(
        session, payload, tenant_id=tenant_id, correlation_id=correlation_id, causation=causation
    )


async def identify_interaction(session: AsyncSession, event: Envelope[Any]) -> None:
    """Who wrote this? Verified identifiers first, then the model on the author's fragments;
    a match attaches, a borderline case goes to review, otherwise an unknown person profile."""
    p: InteractionReceivedV1 = event.payload
    tenant_id = event.tenant_id
    keys, network = _author_keys(p)
    exact = await resolve_exact(session, tenant_id=tenant_id, keys=keys)
    resolver = await resolution.resolver_for(session, tenant_id=tenant_id)
    customer: Customer | None = None
    decision, probability, explanation = exact.decision, exact.probability, exact.explanation
    rule, candidate_id = exact.rule, exact.customer_id
    review: Review | None = None
    if exact.customer_id is not None:
        customer = await repository.get(session, tenant_id=tenant_id, customer_id=exact.customer_id)
    else:
        fragment = _fragment(p)
        outcome = await resolution.resolve(
            session, tenant_id=tenant_id, fragment=fragment, resolver=resolver
        )
        decision, probability = outcome.decision, outcome.probability
        explanation, rule, candidate_id = outcome.explanation, outcome.rule, outcome.candidate_id
        if outcome.decision == "match" and outcome.customer_id is not None:
            customer = await repository.get(
                session, tenant_id=tenant_id, customer_id=outcome.customer_id
            )
            if customer is not None and keys:
                # Seen with this person from now on (observed, not verified).
                await repository.add_identities(
                    session,
                    tenant_id=tenant_id,
                    customer_id=customer.id,
                    keys=[k for k in keys if k[0] != "customer_number"],
                    verified=False,
                )
        elif keys:
            customer = await _new_prospect(
                session, tenant_id=tenant_id, p=p, keys=keys, network=network
            )
        if outcome.decision == "review" and outcome.customer_id is not None:
            review = Review(
                id=uuid.uuid4(),
                tenant_id=tenant_id,
                interaction_id=p.interaction_id,
                candidate_id=outcome.customer_id,
                prospect_id=customer.id if customer else None,
                probability=outcome.probability,
                explanation=outcome.explanation,
                model_version=outcome.model_version,
                identifiers=[list(k) for k in keys],
                facts=p.facts.model_dump(mode="json"),
                state="open",
                created_at=datetime.now(UTC),
            )
            await resolution_repository.add_review(session, review)
    await resolution_repository.add_decision(
        session,
        Decision(
            id=uuid7(),
            tenant_id=tenant_id,
            interaction_id=p.interaction_id,
            customer_id=customer.id if customer else None,
            candidate_id=candidate_id,
            decision=decision,
            probability=probability,
            rule=rule,
            explanation=explanation,
            model_version=resolver.model.version,
            created_at=datetime.now(UTC),
        ),
    )
    await _announce(
        session,
        tenant_id=tenant_id,
        interaction_id=p.interaction_id,
        facts=p.facts,
        customer=customer,
        decision=decision,
        probability=probability,
        explanation=explanation,
        causation=event,
    )


async def decide_review(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    review_id: uuid.UUID,
    accept: bool,
    correlation_id: str,
) -> dict[str, Any]:
    """Accept: the interaction (and its author's identifiers) join the candidate; reject: the
    author stays a person of their own."""
    review = await resolution_repository.get_review(
        session, tenant_id=tenant_id, review_id=review_id, lock=True
    )
    if review is None:
        raise NotFound(f"Review {review_id} does not exist.")
    if review.state != "open":
        raise Conflict(f"Review {review_id} is already {review.state}.")
    review.decided_at = datetime.now(UTC)
    if not accept:
        review.state = "rejected"
        await session.flush()
        return review_out(review)
    review.state = "accepted"
    candidate = await repository.get(session, tenant_id=tenant_id, customer_id=review.candidate_id)
    while candidate is not None and candidate.merged_into is not None:
        candidate = await repository.get(
            session, tenant_id=tenant_id, customer_id=candidate.merged_into
        )
    if candidate is None:
        raise Conflict("The candidate customer no longer exists.")
    prospect = (
        await repository.get(session, tenant_id=tenant_id, customer_id=review.prospect_id)
        if review.prospect_id
        else None
    )
    if prospect is not None and prospect.merged_into is None and prospect.id != candidate.id:
        # The prospect and everything seen with it (handle, later messages) join the customer.
        await merge(
            session,
            tenant_id=tenant_id,
            survivor_id=candidate.id,
            other_id=prospect.id,
            correlation_id=correlation_id,
        )
    else:
        await repository.add_identities(
            session,
            tenant_id=tenant_id,
            customer_id=candidate.id,
            keys=[(k, v) for k, v in review.identifiers if k != "customer_number"],
            verified=False,
        )
    explanation = [
        *review.explanation,
        {"field": "review", "comparison": "accepted", "weight": 0.0},
    ]
    await resolution_repository.add_decision(
        session,
        Decision(
            id=uuid7(),
            tenant_id=tenant_id,
            interaction_id=review.interaction_id,
            customer_id=candidate.id,
            candidate_id=candidate.id,
            decision="match",
            probability=review.probability,
            rule="review_accepted",
            explanation=explanation,
            model_version=review.model_version,
            created_at=datetime.now(UTC),
        ),
    )
    await _announce(
        session,
        tenant_id=tenant_id,
        interaction_id=review.interaction_id,
        facts=InteractionFacts.model_validate(review.facts),
        customer=candidate,
        decision="match",
        probability=review.probability,
        explanation=explanation,
        correlation_id=correlation_id,
    )
    return review_out(review)
