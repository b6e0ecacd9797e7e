"""All SQL about queues and queue items."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.queues.models import Queue, QueueItem

ITEM_STATES = ("pending", "waiting", "responded", "done")

# What an erasure leaves of an item's facts: everything routing routes by, nothing that points
# at the person. The author's claims; the channel's thread id, which for a private message is
# the person's id on the network (Messenger: "<page id>:<PSID>"), and which threads nothing
# once the person's texts are gone; the hash of the text's meaning.
ERASED_FACTS: dict[str, Any] = {"author": {}, "similarity_key": None, "thread_key": None}


async def default_queue(session: AsyncSession, *, tenant_id: uuid.UUID) -> Queue:
    """The tenant's default queue, created on first use (safe under concurrency)."""
    stmt = sa.select(Queue).where(Queue.tenant_id == tenant_id, Queue.is_default.is_(True))
    existing = (await session.execute(stmt)).scalar_one_or_none()
    if existing is not None:
        # Looking first matters: concurrent inserts of the same key would wait on each other.
        return existing
    await session.execute(
        insert(Queue)
        .values(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            name="Default",
            description="Everything no rule sends elsewhere",
            is_default=True,
            created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
    )
    return (await session.execute(stmt)).scalar_one()


async def get_queue(
    session: AsyncSession, *, tenant_id: uuid.UUID, queue_id: uuid.UUID
) -> Queue | None:
    stmt = sa.select(Queue).where(Queue.tenant_id == tenant_id, Queue.id == queue_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_queues(session: AsyncSession, *, tenant_id: uuid.UUID) -> list[Queue]:
    stmt = sa.select(Queue).where(Queue.tenant_id == tenant_id).order_by(Queue.created_at)
    return list((await session.execute(stmt)).scalars())


async def add_queue(session: AsyncSession, queue: Queue) -> bool:
    """Insert; False when the name (or the default slot) is taken."""
    values = {c.name: getattr(queue, c.key) for c in Queue.__table__.columns}
    inserted = (
        await session.execute(
            insert(Queue).values(**values).on_conflict_do_nothing().returning(Queue.id)
        )
    ).first()
    return inserted is not None


def _state_rank(column: Any) -> Any:
    return sa.func.array_position(sa.literal(list(ITEM_STATES), sa.ARRAY(sa.String)), column)


async def upsert_item(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    interaction_id: uuid.UUID,
    values: dict[str, Any],
) -> None:
    """Create or update an item; its state only ever moves forward."""
    now = datetime.now(UTC)
    row = {
        "tenant_id": tenant_id,
        "interaction_id": interaction_id,
        "state": "pending",
        "reasons": [],
        "recommendations": [],
        "created_at": now,
        "updated_at": now,
        **values,
    }
    stmt = insert(QueueItem).values(**row)
    updates: dict[str, Any] = {k: stmt.excluded[k] for k in values if k != "state"}
    updates["updated_at"] = now
    if "state" in values:
        updates["state"] = sa.case(
            (
                _state_rank(QueueItem.state) < _state_rank(stmt.excluded.state),
                stmt.excluded.state,
            ),
            else_=QueueItem.state,
        )
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["tenant_id", "interaction_id"], set_=updates)
    )


async def waiting_items(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    queue_id: uuid.UUID,
    after: tuple[float, str] | None,
    limit: int,
) -> list[QueueItem]:
    """Waiting work, highest priority first, then the earliest deadline."""
    stmt = sa.select(QueueItem).where(
        QueueItem.tenant_id == tenant_id,
        QueueItem.queue_id == queue_id,
        QueueItem.state == "waiting",
    )
    if after is not None:
        priority, interaction_id = after
        stmt = stmt.where(
            sa.or_(
                QueueItem.priority < priority,
                sa.and_(
                    QueueItem.priority == priority,
                    QueueItem.interaction_id > uuid.UUID(interaction_id),
                ),
            )
        )
    stmt = stmt.order_by(QueueItem.priority.desc(), QueueItem.interaction_id).limit(limit)
    return list((await session.execute(stmt)).scalars())


def _fact(key: str) -> sa.ColumnElement[str]:
    """One of the item's facts as text; the key a literal, as in the partial index of the
    page's private messages (migration 0003), so that a lookup can use it."""
    return QueueItem.facts.op("->>", return_type=sa.Text)(sa.literal_column(f"'{key}'"))


_OUTBOUND_PRIVATE = (
    _fact("direction") == sa.literal_column("'outbound'"),
    _fact("visibility") == sa.literal_column("'private'"),
    _fact("thread_key").is_not(None),
)


async def erase_customer(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> int:
    """GDPR erasure: the person's items keep their place and priority, not who wrote them; the
    tenant's messages to them in their private threads lose their thread too."""
    # What the page sends the person in a private thread carries the thread's key
    # ("<page id>:<PSID>" on Messenger) but is linked to no customer: it is reached through
    # the threads of the person's private items, read first, while they still carry their keys.
    # Private threads only: a public thread (a post's comments) holds replies to other people.
    threads = (
        sa.select(QueueItem.channel, _fact("thread_key"))
        .where(
            QueueItem.tenant_id == tenant_id,
            QueueItem.customer_id == customer_id,
            _fact("visibility") == sa.literal_column("'private'"),
            _fact("thread_key").is_not(None),
        )
        .distinct()
    )
    sent = await _erase_sent(session, tenant_id=tenant_id, threads=threads)
    return sent + await _clear(
        session, QueueItem.tenant_id == tenant_id, QueueItem.customer_id == customer_id
    )


async def erase_sent_in_thread(
    session: AsyncSession, *, tenant_id: uuid.UUID, channel: str, thread_key: str
) -> int:
    """The tenant's messages in an erased person's private thread, found by a late item of
    theirs (its own facts are stored already erased)."""
    return await _erase_sent(session, tenant_id=tenant_id, threads=[(channel, thread_key)])


async def _erase_sent(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    threads: sa.Select[tuple[str | None, str]] | list[tuple[str, str]],
) -> int:
    return await _clear(
        session,
        QueueItem.tenant_id == tenant_id,
        *_OUTBOUND_PRIVATE,
        sa.tuple_(QueueItem.channel, _fact("thread_key")).in_(threads),
    )


async def _clear(session: AsyncSession, *where: sa.ColumnElement[bool]) -> int:
    result = await session.execute(
        sa.update(QueueItem)
        .where(*where)
        .values(
            customer_id=None,
            facts=sa.func.coalesce(QueueItem.facts, sa.text("'{}'::jsonb")).op(
                "||", return_type=JSONB
            )(sa.cast(sa.literal(ERASED_FACTS, JSONB), JSONB)),
            updated_at=datetime.now(UTC),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
