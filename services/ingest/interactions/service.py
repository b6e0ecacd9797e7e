"""Taking interactions in: dedup, analysis, storage and the `interaction.received.v1` event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.ingest.db import messaging
from services.ingest.extraction import Analysis, analyse
from services.ingest.interactions import repository
from services.ingest.interactions.models import Interaction, Response
from services.ingest.interactions.publications import publication
from services.ingest.interactions.schemas import (
    Accepted,
    BatchItemResult,
    BatchResult,
    Extraction,
    InteractionCreate,
    ResponseCreate,
    ResponseOut,
)
from services.ingest.tenant_settings import service as tenant_settings
from shared import Conflict, NotFound, emit
from shared.contracts import (
    AuthorClaims,
    Envelope,
    InteractionFacts,
    InteractionReceivedV1,
    InteractionResolvedV1,
    InteractionRespondedV1,
)

SOURCE = "resonance/ingest"
PUBLIC_CHANNELS = {
    "twitter",
    "facebook",
    "instagram",
    "mastodon",
    "linkedin",
    "xing",
    "blog",
    "news",
    "review",
}


def _extraction(analysis: Analysis) -> tuple[Extraction, str | None]:
    grouped: dict[str, list[str]] = {}
    for feature in analysis.features:
        grouped.setdefault(feature.kind, [])
        if feature.value not in grouped[feature.kind]:
            grouped[feature.kind].append(feature.value)
    return Extraction(
        names=grouped.get("name", []),
        emails=grouped.get("email", []),
        phones=grouped.get("phone", []),
        handles=grouped.get("handle", []),
        customer_numbers=grouped.get("customer_number", []) + grouped.get("contract_number", []),
        addresses=grouped.get("address", []),
        language=analysis.language,
        sentiment=analysis.sentiment,
        urgency=analysis.urgency,
        escalation_signals=analysis.escalation_signals,
        features=analysis.features,
    ), analysis.similarity_key


async def receive(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    data: InteractionCreate,
    correlation_id: str,
    analysis: Analysis | None = None,
) -> Accepted:
    """Store a new interaction and announce it; a replay of the same external id changes nothing."""
    now = datetime.now(UTC)
    if analysis is None:
        settings = await tenant_settings.for_tenant(session, tenant_id=tenant_id)
        analysis = analyse(
            data, patterns=settings.patterns, default_language=settings.default_language
        )
    extraction, similarity_key = _extraction(analysis)
    visibility = data.visibility or ("public" if data.channel in PUBLIC_CHANNELS else "private")
    interaction_id = uuid.uuid4()
    occurred_at = data.occurred_at or now
    author = data.author.model_dump(exclude_none=True)
    values: dict[str, Any] = {
        "id": interaction_id,
        "tenant_id": tenant_id,
        "channel": data.channel,
        "external_id": data.external_id,
        "direction": data.direction,
        "visibility": visibility,
        "status": "received",
        "occurred_at": occurred_at,
        "received_at": now,
        "updated_at": now,
        "author": author,
        "subject": data.subject,
        "text": data.text,
        "quoted_text": data.quoted_text,
        "signature": data.signature,
        "thread_key": data.thread_key or data.in_reply_to or data.external_id,
        "in_reply_to": data.in_reply_to,
        "attachments": [a.model_dump() for a in data.attachments],
        "engagement": data.engagement,
        "metadata": data.metadata,
        "raw": data.raw,
        "extracted": extraction.model_dump(mode="json"),
        "similarity_key": similarity_key,
        "sla": {"timers": [], "state": None, "next_due_at": None},
    }
    inserted = await repository.insert_new(session, values)
    if inserted is None:  # a replay, or a concurrent request stored the same external id first
        existing = await repository.find_by_external(
            session, tenant_id=tenant_id, channel=data.channel, external_id=data.external_id or ""
        )
        assert existing is not None
        return Accepted(id=existing.id, status=existing.status, duplicate=True)  # type: ignore[arg-type]
    facts = InteractionFacts(
        channel=data.channel,
        direction=data.direction,
        visibility=visibility,
        occurred_at=occurred_at,
        language=extraction.language,
        sentiment=extraction.sentiment,
        urgency=extraction.urgency,
        escalation_signals=extraction.escalation_signals,
        author=AuthorClaims(**author),
        engagement=data.engagement,
        similarity_key=similarity_key,
        thread_key=values["thread_key"],
    )
    payload = InteractionReceivedV1(
        interaction_id=interaction_id,
        external_id=data.external_id,
        facts=facts,
        subject=data.subject,
        text=data.text,
        extracted=extraction.features,
    )
    await emit(
        session,
        messaging,
        Envelope.wrap(payload, source=SOURCE, tenant_id=tenant_id, correlation_id=correlation_id),
    )
    published = publication(
        interaction_id=interaction_id,
        channel=data.channel,
        direction=data.direction,
        published_at=occurred_at,
        author=facts.author,
        metadata=data.metadata,
        external_id=data.external_id,
        features=extraction.features,
    )
    if published is not None:
        await emit(
            session,
            messaging,
            Envelope.wrap(
                published, source=SOURCE, tenant_id=tenant_id, correlation_id=correlation_id
            ),
        )
    return Accepted(id=interaction_id, status="received")


async def receive_many(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    items: list[InteractionCreate],
    correlation_id: str,
) -> list[Accepted]:
    """Store several parsed interactions (e.g. the tweets of one stream chunk)."""
    results = []
    for data in items:
        async with session.begin_nested():
            results.append(
                await receive(
                    session, tenant_id=tenant_id, data=data, correlation_id=correlation_id
                )
            )
    return results


async def receive_batch(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    items: list[dict[str, Any]],
    correlation_id: str,
) -> BatchResult:
    """Each item is validated and stored on its own: one bad item does not reject the rest."""
    results: dict[int, BatchItemResult] = {}
    valid: list[tuple[int, InteractionCreate]] = []
    for index, raw in enumerate(items):
        try:
            valid.append((index, InteractionCreate.model_validate(raw)))
        except ValidationError as exc:
            errors = [
                {"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ]
            results[index] = BatchItemResult(index=index, status="rejected", errors=errors)
    stored = await receive_many(
        session, tenant_id=tenant_id, items=[d for _, d in valid], correlation_id=correlation_id
    )
    for (index, _), accepted in zip(valid, stored, strict=True):
        results[index] = BatchItemResult(
            index=index, status="duplicate" if accepted.duplicate else "accepted", id=accepted.id
        )
    ordered = [results[i] for i in range(len(items))]
    return BatchResult(
        accepted=sum(r.status == "accepted" for r in ordered),
        duplicates=sum(r.status == "duplicate" for r in ordered),
        rejected=sum(r.status == "rejected" for r in ordered),
        items=ordered,
    )


async def get(
    session: AsyncSession, *, tenant_id: uuid.UUID, interaction_id: uuid.UUID
) -> Interaction:
    row = await repository.get(session, tenant_id=tenant_id, interaction_id=interaction_id)
    if row is None:
        raise NotFound(f"Interaction {interaction_id} does not exist.")
    return row


async def respond(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    interaction_id: uuid.UUID,
    data: ResponseCreate,
    agent_id: str | None,
    correlation_id: str,
) -> ResponseOut:
    """Record an agent's reply; the first one stops the first-response clock downstream.

    A reply to an erased interaction is recorded (it stops the clock) without its text."""
    row = await repository.get(
        session, tenant_id=tenant_id, interaction_id=interaction_id, lock=True
    )
    if row is None:
        raise NotFound(f"Interaction {interaction_id} does not exist.")
    if row.status == "resolved":
        raise Conflict("The interaction is resolved; reopen it before responding.")
    now = datetime.now(UTC)
    first = row.first_responded_at is None
    response = Response(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        interaction_id=interaction_id,
        # A reply to an interaction erased since (the agent saw it before) addresses a person
        # no later erasure can find: kept as the erasure keeps replies, without its text.
        text="" if row.erased_at is not None else data.text,
        visibility=data.visibility or row.visibility,
        channel=data.channel or row.channel,
        agent_id=agent_id,
        created_at=now,
    )
    await repository.add_response(session, response)
    if first:
        row.first_responded_at = now
    await repository.project(
        session, tenant_id=tenant_id, interaction_id=interaction_id, values={}, status="responded"
    )
    await emit(
        session,
        messaging,
        Envelope.wrap(
            InteractionRespondedV1(
                interaction_id=interaction_id,
                response_id=response.id,
                responded_at=now,
                channel=response.channel,  # type: ignore[arg-type]
                visibility=response.visibility,  # type: ignore[arg-type]
                first=first,
            ),
            source=SOURCE,
            tenant_id=tenant_id,
            correlation_id=correlation_id,
        ),
    )
    out = ResponseOut.model_validate(response)
    out.first = first
    return out


async def resolve(
    session: AsyncSession, *, tenant_id: uuid.UUID, interaction_id: uuid.UUID, correlation_id: str
) -> Interaction:
    """Mark the interaction resolved (idempotent) and announce it once."""
    row = await repository.get(
        session, tenant_id=tenant_id, interaction_id=interaction_id, lock=True
    )
    if row is None:
        raise NotFound(f"Interaction {interaction_id} does not exist.")
    if row.resolved_at is None:
        now = datetime.now(UTC)
        row.resolved_at = now
        await repository.project(
            session,
            tenant_id=tenant_id,
            interaction_id=interaction_id,
            values={},
            status="resolved",
        )
        await emit(
            session,
            messaging,
            Envelope.wrap(
                InteractionResolvedV1(interaction_id=interaction_id, resolved_at=now),
                source=SOURCE,
                tenant_id=tenant_id,
                correlation_id=correlation_id,
            ),
        )
        await session.refresh(row)
    return row
