"""All SQL about interactions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ingest.interactions.models import STATUSES, Interaction, Response

_table = Interaction.__table__
# Built once: the values are bound at execution, so the compiled statement is cached.
_INSERT_NEW = (
    insert(_table)
    .on_conflict_do_nothing(
        index_elements=["tenant_id", "channel", "external_id"],
        index_where=sa.text("external_id IS NOT NULL"),
    )
    .returning(_table.c.id)
)


async def insert_new(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """Insert unless the (tenant, channel, external id) exists; the new id or None."""
    return (await session.execute(_INSERT_NEW, values)).scalar_one_or_none()


async def find_by_external(
    session: AsyncSession, *, tenant_id: uuid.UUID, channel: str, external_id: str
) -> Interaction | None:
    stmt = sa.select(Interaction).where(
        Interaction.tenant_id == tenant_id,
        Interaction.channel == channel,
        Interaction.external_id == external_id,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get(
    session: AsyncSession, *, tenant_id: uuid.UUID, interaction_id: uuid.UUID, lock: bool = False
) -> Interaction | None:
    stmt = sa.select(Interaction).where(
        Interaction.tenant_id == tenant_id, Interaction.id == interaction_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_page(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    status: str | None,
    channel: str | None,
    since: datetime | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Interaction]:
    stmt = sa.select(Interaction).where(Interaction.tenant_id == tenant_id)
    if customer_id is not None:
        stmt = stmt.where(Interaction.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(Interaction.status == status)
    if channel is not None:
        stmt = stmt.where(Interaction.channel == channel)
    if since is not None:
        stmt = stmt.where(Interaction.received_at >= since)
    if after is not None:
        stmt = stmt.where(sa.tuple_(Interaction.received_at, Interaction.id) < sa.tuple_(*after))
    stmt = stmt.order_by(Interaction.received_at.desc(), Interaction.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


_RANK = sa.func.array_position(sa.literal(list(STATUSES), sa.ARRAY(sa.String)), Interaction.status)


async def project(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    interaction_id: uuid.UUID,
    values: dict[str, Any],
    status: str | None = None,
) -> None:
    """Record what a later stage decided; the status only ever moves forward."""
    values = {**values, "updated_at": datetime.now(UTC)}
    if status is not None:
        rank = STATUSES.index(status) + 1
        values["status"] = sa.case((_RANK < rank, status), else_=Interaction.status)
    await session.execute(
        sa.update(Interaction)
        .where(Interaction.tenant_id == tenant_id, Interaction.id == interaction_id)
        .values(**values)
    )


async def merge_sla(
    session: AsyncSession, *, tenant_id: uuid.UUID, interaction_id: uuid.UUID, timer: dict[str, Any]
) -> None:
    """Upsert one timer into the interaction's SLA view (by timer id), under a row lock."""
    row = await get(session, tenant_id=tenant_id, interaction_id=interaction_id, lock=True)
    if row is None:
        return
    timers = [t for t in row.sla.get("timers", []) if t.get("timer_id") != timer["timer_id"]]
    previous = next(
        (t for t in row.sla.get("timers", []) if t.get("timer_id") == timer["timer_id"]), {}
    )
    ranks = {"running": 0, "warning": 1, "breached": 2, "met": 3, "missed": 3}
    merged = {**previous, **timer}
    if ranks.get(previous.get("state", ""), -1) > ranks.get(timer.get("state", ""), -1):
        merged["state"] = previous["state"]
    timers.append(merged)
    timers.sort(key=lambda t: t.get("due_at") or "")
    open_timers = [t for t in timers if t.get("state") in ("running", "warning", "breached")]
    state = None
    if timers:
        order = ["breached", "warning", "running", "met", "missed"]
        state = min((t.get("state", "running") for t in timers), key=order.index)
    row.sla = {
        "timers": timers,
        "state": state,
        "next_due_at": min((t["due_at"] for t in open_timers), default=None),
    }
    row.updated_at = datetime.now(UTC)


async def add_response(session: AsyncSession, response: Response) -> None:
    session.add(response)
    await session.flush()


async def responses_of(
    session: AsyncSession, *, tenant_id: uuid.UUID, interaction_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Response]]:
    """The agents' replies to these interactions, oldest first."""
    out: dict[uuid.UUID, list[Response]] = {}
    if interaction_ids:
        stmt = (
            sa.select(Response)
            .where(Response.tenant_id == tenant_id, Response.interaction_id.in_(interaction_ids))
            .order_by(Response.created_at, Response.id)
        )
        for response in (await session.execute(stmt)).scalars():
            out.setdefault(response.interaction_id, []).append(response)
    return out


async def erase_customer(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> int:
    """GDPR erasure: drop the content and personal data of the customer's interactions, and of
    what the tenant sent them in their private threads."""
    return await _erase(session, tenant_id, Interaction.customer_id == customer_id)


async def erase_interactions(
    session: AsyncSession, *, tenant_id: uuid.UUID, interaction_ids: list[uuid.UUID]
) -> int:
    """GDPR erasure of interactions an erased customer wrote but that were not (or no longer)
    linked to them when the erasure ran."""
    if not interaction_ids:
        return 0
    return await _erase(session, tenant_id, Interaction.id.in_(interaction_ids))


async def _erase(
    session: AsyncSession, tenant_id: uuid.UUID, *theirs: sa.ColumnElement[bool]
) -> int:
    """Erase the person's interactions (`theirs`) and the tenant's outgoing messages in the
    person's private threads; returns how many rows were updated."""
    # What the page (or the agents' tool) sends the person in a private thread carries the
    # thread's key ("<page id>:<PSID>" on Messenger) and says who they are, but it is linked to
    # no customer, so the person's erasure reaches it only through the thread. Private threads
    # only: a public thread (a post's comments) holds replies to other people too. First, while
    # the person's items still carry their thread keys.
    threads = (
        sa.select(Interaction.channel, Interaction.thread_key)
        .where(
            Interaction.tenant_id == tenant_id,
            *theirs,
            Interaction.visibility == "private",
            Interaction.thread_key.is_not(None),
        )
        .distinct()
    )
    sent = await _clear(
        session,
        Interaction.tenant_id == tenant_id,
        Interaction.direction == "outbound",
        Interaction.visibility == "private",
        Interaction.thread_key.is_not(None),
        sa.tuple_(Interaction.channel, Interaction.thread_key).in_(threads),
    )
    erased = sent + await _clear(session, Interaction.tenant_id == tenant_id, *theirs)
    # The agents' replies to them address the person and repeat what they wrote. After the
    # interactions, which took the row locks a reply takes (`get(lock=True)`), and in a
    # statement of its own: it sees a reply committed while the erasure waited for the lock.
    await _blank_responses(session, tenant_id=tenant_id, interaction_ids=erased)
    return len(erased)


async def _clear(session: AsyncSession, *where: sa.ColumnElement[bool]) -> list[uuid.UUID]:
    result = await session.execute(
        sa.update(Interaction)
        .where(*where)
        .values(
            author={},
            subject=None,
            text="",
            quoted_text=None,
            signature=None,
            raw=None,
            extracted={},
            attachments=[],
            meta={"erased": True},
            # A hash of the text's meaning, and the channel's thread id, which for a private
            # message is the person's id on the network (Messenger: "<page id>:<PSID>").
            similarity_key=None,
            thread_key=None,
            customer_id=None,
            erased_at=sa.func.coalesce(Interaction.erased_at, sa.func.now()),
            updated_at=datetime.now(UTC),
        )
        .returning(Interaction.id)
    )
    return list(result.scalars())


async def _blank_responses(
    session: AsyncSession, *, tenant_id: uuid.UUID, interaction_ids: list[uuid.UUID]
) -> None:
    """Drop the text of the replies to erased interactions; the rows stay, with their ids,
    time, channel, visibility and agent (what response counts and times are made of)."""
    if not interaction_ids:
        return
    # One array parameter, however many interactions the person had.
    ids = sa.bindparam("interaction_ids", interaction_ids, type_=ARRAY(UUID(as_uuid=True)))
    await session.execute(
        sa.update(Response)
        .where(Response.tenant_id == tenant_id, Response.interaction_id == sa.any_(ids))
        .values(text="")
    )


async def reassign_customer(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    to_customer: uuid.UUID,
    from_customer: uuid.UUID | None = None,
    interaction_ids: list[uuid.UUID] | None = None,
) -> int:
    """Point interactions at another customer after a merge (by customer) or unmerge (by id)."""
    stmt = sa.update(Interaction).where(Interaction.tenant_id == tenant_id)
    if from_customer is not None:
        stmt = stmt.where(Interaction.customer_id == from_customer)
    if interaction_ids is not None:
        stmt = stmt.where(Interaction.id.in_(interaction_ids))
    result = await session.execute(
        stmt.values(customer_id=to_customer, updated_at=datetime.now(UTC))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def link_incident(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    incident_id: uuid.UUID,
    interaction_ids: list[uuid.UUID],
) -> None:
    await session.execute(
        sa.update(Interaction)
        .where(Interaction.tenant_id == tenant_id, Interaction.id.in_(interaction_ids))
        .values(incident_id=incident_id, updated_at=datetime.now(UTC))
    )
