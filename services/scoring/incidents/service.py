"""Incident detection with state in PostgreSQL: restarts and several replicas see one picture.

The engine's `IncidentDetector` rules, applied to stored clusters: a relevant message joins the
open cluster whose representative is most similar (at or above the threshold) or starts one; a
cluster with `min_size` messages inside the window is announced once, and again each time it
has doubled. Assignment runs under a per-tenant advisory lock, so two replicas never split one
spike into two clusters. A cluster's sample (text and key) comes from its first message; an
erasure of that message's author clears it (`services.scoring.incidents.authors`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.db import messaging
from services.scoring.engine import closest, is_relevant, should_announce, spike_rates
from services.scoring.incidents import repository
from services.scoring.incidents.authors import could_join
from services.scoring.incidents.models import IncidentCluster
from services.scoring.incidents.schemas import Incident, IncidentDetail
from services.scoring.scores.service import SOURCE, config_for
from shared import BadRequest, NotFound, Page, decode_cursor, emit, encode_cursor, get_logger
from shared.contracts import Envelope, IncidentDetectedV1, InteractionReceivedV1

__all__ = ["get", "list_detected", "observe"]

log = get_logger("scoring.incidents")

SAMPLE_CHARS = 280
REPORTED_IDS = 100


def sample(text: str, subject: str | None = None) -> str | None:
    """A short, single-line excerpt of the first message of a cluster."""
    joined = " ".join(f"{subject or ''} {text}".split())
    if not joined:
        return None
    return joined if len(joined) <= SAMPLE_CHARS else joined[: SAMPLE_CHARS - 1] + "…"


async def observe(session: AsyncSession, event: Envelope[Any]) -> None:
    """Assign a negative public message to its incident cluster; announce a cluster that spikes."""
    p: InteractionReceivedV1 = event.payload
    facts = p.facts
    if not could_join(facts) or facts.similarity_key is None:
        return  # cheap filter before the configuration is read
    tenant_id = event.tenant_id
    config = (await config_for(session, tenant_id=tenant_id)).incidents
    if not is_relevant(facts, config):
        return
    window = timedelta(minutes=config.window_minutes)
    at = facts.occurred_at
    now = datetime.now(UTC)
    await repository.lock_tenant(session, tenant_id=tenant_id)
    latest = await repository.latest_seen(session, tenant_id=tenant_id)
    if latest is not None and at < latest - window:
        return  # arrived too late to be part of a spike
    clock = max(latest, at) if latest is not None else at
    candidates = await repository.open_clusters(
        session, tenant_id=tenant_id, since=clock - window, limit=config.max_clusters_per_tenant
    )
    # On a tie the last one offered wins: the most recently active cluster.
    cluster_id = closest(
        facts.similarity_key,
        ((c.id, c.representative_key) for c in reversed(candidates)),
        threshold=config.similarity_threshold,
    )
    if cluster_id is None:
        # Read under the tenant's turn, which an erasure takes before it clears samples: either
        # it finds the cluster created here, or this finds the author erased.
        known, author = await repository.author_of(
            session, tenant_id=tenant_id, interaction_id=p.interaction_id
        )
        if known and author is None:
            # Written by somebody erased since (identified before this arrived): their text
            # and key would be the new cluster's sample.
            log.info("scoring.incident.erased_author_skipped", interaction_id=str(p.interaction_id))
            return
        cluster_id = await repository.create(
            session,
            tenant_id=tenant_id,
            key=facts.similarity_key,
            sample_text=sample(p.text, p.subject),
            sample_interaction_id=p.interaction_id,
            at=at,
            now=now,
        )
    cluster = await repository.get_for_update(session, cluster_id=cluster_id)
    added = False
    if cluster.total < config.max_members_per_cluster:
        added = await repository.add_member(
            session, cluster_id=cluster_id, interaction_id=p.interaction_id, at=at
        )
    since, middle = clock - window, clock - window / 2
    size, recent, first, last = await repository.window(
        session, cluster_id=cluster_id, since=since, middle=middle
    )
    rate, acceleration = spike_rates(
        size=size,
        recent=recent,
        first_seen=first or at,
        latest=clock,
        window_minutes=config.window_minutes,
    )
    announce = should_announce(size, reported_size=cluster.reported_size, min_size=config.min_size)
    values: dict[str, Any] = {
        "size": size,
        "total": cluster.total + (1 if added else 0),
        "first_seen": first or cluster.first_seen,
        "last_seen": max(cluster.last_seen, last or at),
        "rate_per_hour": rate,
        "acceleration_per_hour2": acceleration,
        "updated_at": now,
    }
    if announce:
        values["reported_size"] = size
        if cluster.detected_at is None:
            values["detected_at"] = now
    await repository.update(session, cluster_id=cluster_id, **values)
    if not announce:
        return
    ids = await repository.recent_members(
        session, cluster_id=cluster_id, since=since, limit=REPORTED_IDS
    )
    payload = IncidentDetectedV1(
        incident_id=cluster_id,
        interaction_ids=ids,
        size=size,
        rate_per_hour=max(0.0, rate),
        first_seen=values["first_seen"],
        last_seen=values["last_seen"],
        sample_text=cluster.sample_text,
    )
    await emit(
        session,
        messaging,
        Envelope.wrap(payload, source=SOURCE, tenant_id=tenant_id, causation=event),
    )
    log.info(
        "scoring.incident.detected",
        incident_id=str(cluster_id),
        size=size,
        first=cluster.reported_size == 0,
    )


def _out(cluster: IncidentCluster, *, window: timedelta, now: datetime) -> dict[str, Any]:
    assert cluster.detected_at is not None
    return {
        "id": cluster.id,
        "size": cluster.size,
        "total": cluster.total,
        "rate_per_hour": cluster.rate_per_hour,
        "acceleration_per_hour2": cluster.acceleration_per_hour2,
        "first_seen": cluster.first_seen,
        "last_seen": cluster.last_seen,
        "detected_at": cluster.detected_at,
        "active": cluster.last_seen >= now - window,
        "sample_text": cluster.sample_text,
    }


async def list_detected(
    session: AsyncSession, *, tenant_id: uuid.UUID, limit: int, cursor: str | None
) -> Page[Incident]:
    """Incident candidates, the most recently active first."""
    after = None
    if (values := decode_cursor(cursor)) is not None:
        try:
            after = (datetime.fromisoformat(values[0]), uuid.UUID(values[1]))
        except (IndexError, TypeError, ValueError):
            raise BadRequest("The cursor is not valid.") from None
    rows = await repository.detected(session, tenant_id=tenant_id, after=after, limit=limit + 1)
    config = (await config_for(session, tenant_id=tenant_id)).incidents
    window, now = timedelta(minutes=config.window_minutes), datetime.now(UTC)
    items = [Incident(**_out(r, window=window, now=now)) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor([last.last_seen.isoformat(), str(last.id)])
    return Page[Incident](items=items, next_cursor=next_cursor)


async def get(
    session: AsyncSession, *, tenant_id: uuid.UUID, incident_id: uuid.UUID
) -> IncidentDetail:
    """One incident candidate with the newest member interaction ids."""
    cluster = await repository.get(session, tenant_id=tenant_id, cluster_id=incident_id)
    if cluster is None:
        raise NotFound(f"Incident {incident_id} does not exist.")
    config = (await config_for(session, tenant_id=tenant_id)).incidents
    window, now = timedelta(minutes=config.window_minutes), datetime.now(UTC)
    ids = await repository.recent_members(
        session, cluster_id=incident_id, since=None, limit=REPORTED_IDS
    )
    return IncidentDetail(**_out(cluster, window=window, now=now), interaction_ids=ids)
