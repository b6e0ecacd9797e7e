"""Dead letters a service could not process: listed and replayed through the admin API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from ._consumer import process_message
from ._errors import Conflict, NotFound
from ._http import PROBLEM_RESPONSES, TenantDep
from ._messaging import Outcome

if TYPE_CHECKING:
    from ._runtime import ServiceRuntime

__all__ = ["DeadLetter", "dead_letter_router"]


class DeadLetter(BaseModel):
    id: uuid.UUID
    service: str
    consumer: str
    event_id: str | None
    type: str | None
    error: str
    attempts: int
    created_at: datetime
    replayed_at: datetime | None


class DeadLetterPage(BaseModel):
    items: list[DeadLetter]


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated["ServiceRuntime", Depends(_runtime)]

dead_letter_router = APIRouter(
    prefix="/internal/dead-letters", tags=["operations"], responses=PROBLEM_RESPONSES
)


@dead_letter_router.get("", response_model=DeadLetterPage)
async def list_dead_letters(
    tenant_id: TenantDep,
    runtime: RuntimeDep,
    include_replayed: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeadLetterPage:
    """The tenant's events this service gave up on, newest first."""
    t = runtime.tables.dead_letters
    stmt = sa.select(t).where(t.c.tenant_id == tenant_id)
    if not include_replayed:
        stmt = stmt.where(t.c.replayed_at.is_(None))
    stmt = stmt.order_by(t.c.created_at.desc()).limit(limit)
    async with runtime.db.session() as session:
        rows = (await session.execute(stmt)).mappings().all()
    return DeadLetterPage(
        items=[DeadLetter(service=runtime.name, **{k: r[k] for k in _FIELDS}) for r in rows]
    )


_FIELDS = ("id", "consumer", "event_id", "type", "error", "attempts", "created_at", "replayed_at")


@dead_letter_router.post("/{dead_letter_id}/replay", response_model=DeadLetter)
async def replay_dead_letter(
    dead_letter_id: uuid.UUID, tenant_id: TenantDep, runtime: RuntimeDep
) -> DeadLetter:
    """Run the consumer once more on the stored event (after the cause was fixed)."""
    t = runtime.tables.dead_letters
    async with runtime.db.session() as session:
        row = (
            (
                await session.execute(
                    sa.select(t).where(t.c.id == dead_letter_id, t.c.tenant_id == tenant_id)
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"Dead letter {dead_letter_id} does not exist.")
    if row["replayed_at"] is not None:
        raise Conflict("This dead letter was replayed already.")
    spec = next(
        (c for c in runtime.consumers if f"{runtime.name}.{c.name}" == row["consumer"]), None
    )
    if spec is None:
        raise Conflict(f"The consumer {row['consumer']} no longer exists.")
    outcome = await process_message(
        db=runtime.db,
        tables=runtime.tables,
        service=runtime.name,
        spec=spec,
        body=row["body"],
        headers=dict(row["headers"] or {}),
        attempt=1,
        max_attempts=1,
        dead_letter=False,
    )
    if outcome is not Outcome.ACK:
        raise Conflict("The event failed again; it stays a dead letter.")
    replayed_at = datetime.now(UTC)
    async with runtime.db.session() as session:
        await session.execute(
            sa.update(t).where(t.c.id == dead_letter_id).values(replayed_at=replayed_at)
        )
    data: dict[str, Any] = {k: row[k] for k in _FIELDS} | {"replayed_at": replayed_at}
    return DeadLetter(service=runtime.name, **data)
