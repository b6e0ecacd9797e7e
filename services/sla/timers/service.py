"""Starting, stopping and breaching SLA timers."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.sla.db import messaging
from services.sla.timers import repository
from services.sla.timers.models import Policy, Timer
from services.sla.timers.schemas import PolicyCreate
from shared import Conflict, ServiceRuntime, emit, get_logger
from shared.contracts import (
    Envelope,
    InteractionFacts,
    InteractionReceivedV1,
    InteractionResolvedV1,
    InteractionRespondedV1,
    SlaBreachedV1,
    SlaTimerStartedV1,
    SlaTimerStoppedV1,
    SlaWarningV1,
)

SOURCE = "resonance/sla"
log = get_logger("sla.timers")

HOUR = 3600
# Used when no tenant policy matches: the social channels are answered fastest.
DEFAULT_FIRST_RESPONSE = {
    "twitter": 30 * 60,
    "facebook": HOUR,
    "instagram": HOUR,
    "mastodon": HOUR,
    "linkedin": 4 * HOUR,
    "xing": 4 * HOUR,
    "chat": 5 * 60,
    "phone": 4 * HOUR,
    "email": 24 * HOUR,
    "webform": 24 * HOUR,
    "blog": 24 * HOUR,
    "news": 8 * HOUR,
    "review": 24 * HOUR,
    "letter": 5 * 24 * HOUR,
}


async def create_policy(
    session: AsyncSession, *, tenant_id: uuid.UUID, data: PolicyCreate
) -> Policy:
    policy = Policy(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        name=data.name,
        position=data.position,
        conditions=data.conditions.model_dump(mode="json"),
        targets=data.targets.model_dump(exclude_none=True),
        warn_ratio=data.warn_ratio,
        created_at=datetime.now(UTC),
    )
    if not await repository.add_policy(session, policy):
        raise Conflict(f"A policy named {data.name!r} exists already.")
    return policy


def _matches(policy: Policy, facts: InteractionFacts) -> bool:
    conditions = policy.conditions
    if conditions.get("channels") and facts.channel not in conditions["channels"]:
        return False
    return not (conditions.get("visibility") and facts.visibility != conditions["visibility"])


async def start(session: AsyncSession, event: Envelope[Any]) -> None:
    """Start the clocks of a new inbound interaction under the first matching policy."""
    p: InteractionReceivedV1 = event.payload
    if p.facts.direction != "inbound":
        return
    policy_name, targets, warn_ratio = (
        "default",
        {"first_response": DEFAULT_FIRST_RESPONSE.get(p.facts.channel, 24 * HOUR)},
        0.8,
    )
    for policy in await repository.policies(session, tenant_id=event.tenant_id):
        if _matches(policy, p.facts):
            policy_name, targets, warn_ratio = policy.name, policy.targets, policy.warn_ratio
            break
    # The clock starts when the interaction reached us (the event's time).
    started = event.occurred_at
    rows = []
    for metric in ("first_response", "resolution"):
        seconds = targets.get(metric)
        if not seconds:
            continue
        rows.append(
            {
                "id": uuid.uuid4(),
                "tenant_id": event.tenant_id,
                "interaction_id": p.interaction_id,
                "metric": metric,
                "policy": policy_name,
                "channel": p.facts.channel,
                "state": "running",
                "started_at": started,
                "warn_at": started + timedelta(seconds=seconds * warn_ratio),
                "due_at": started + timedelta(seconds=seconds),
            }
        )
    created = set(await repository.start_timers(session, rows))
    await emit(
        session,
        messaging,
        *(
            Envelope.wrap(
                SlaTimerStartedV1(
                    timer_id=row["id"],
                    interaction_id=p.interaction_id,
                    metric=row["metric"],
                    policy=policy_name,
                    started_at=started,
                    due_at=row["due_at"],
                ),
                source=SOURCE,
                tenant_id=event.tenant_id,
                causation=event,
            )
            for row in rows
            if row["id"] in created
        ),
    )


async def stop(session: AsyncSession, event: Envelope[Any]) -> None:
    """The first response stops first-response clocks; resolving stops every clock."""
    p = event.payload
    if isinstance(p, InteractionRespondedV1):
        metrics, at = ["first_response"], p.responded_at
    else:
        assert isinstance(p, InteractionResolvedV1)
        metrics, at = ["first_response", "next_response", "resolution"], p.resolved_at
    stopped = await repository.stop_timers(
        session, tenant_id=event.tenant_id, interaction_id=p.interaction_id, metrics=metrics, at=at
    )
    await emit(
        session,
        messaging,
        *(
            Envelope.wrap(
                SlaTimerStoppedV1(
                    timer_id=t.id,
                    interaction_id=t.interaction_id,
                    metric=t.metric,  # type: ignore[arg-type]
                    stopped_at=at,
                    met=t.state == "met",
                ),
                source=SOURCE,
                tenant_id=event.tenant_id,
                causation=event,
            )
            for t in stopped
        ),
    )


def _warning(t: Timer) -> Envelope[Any]:
    return Envelope.wrap(
        SlaWarningV1(
            timer_id=t.id, interaction_id=t.interaction_id, metric=t.metric, due_at=t.due_at
        ),  # type: ignore[arg-type]
        source=SOURCE,
        tenant_id=t.tenant_id,
    )


def _breach(t: Timer) -> Envelope[Any]:
    return Envelope.wrap(
        SlaBreachedV1(
            timer_id=t.id,
            interaction_id=t.interaction_id,
            metric=t.metric,  # type: ignore[arg-type]
            due_at=t.due_at,
            breached_at=t.breached_at or datetime.now(UTC),
        ),
        source=SOURCE,
        tenant_id=t.tenant_id,
    )


async def scan_once(runtime: ServiceRuntime) -> int:
    """Warn and breach every timer that is due; the state change and its event commit together."""
    async with runtime.db.session() as session:
        warned, breached = await repository.advance_due(session, now=datetime.now(UTC))
        await emit(session, messaging, *map(_warning, warned), *map(_breach, breached))
    for t in breached:
        log.info("sla.timer.breached", timer_id=str(t.id), interaction_id=str(t.interaction_id))
    return len(warned) + len(breached)


async def breach_scanner(runtime: ServiceRuntime) -> None:
    """Background worker; timers live in PostgreSQL, so they survive restarts."""
    interval = float(getattr(runtime.settings, "scan_interval_seconds", 1.0))
    while True:
        try:
            changed = await scan_once(runtime)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("sla.scan.failed", error=str(exc))
            changed = 0
        if not changed:
            await asyncio.sleep(interval)
