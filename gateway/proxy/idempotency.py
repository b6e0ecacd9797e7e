"""`Idempotency-Key` on creating writes: a replay returns the first result."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from gateway.proxy.client import UpstreamResponse
from gateway.tenants.models import IdempotencyRecord
from shared import Conflict, Database, UnprocessableEntity


def request_hash(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def run_once(
    db: Database,
    *,
    tenant_id: uuid.UUID,
    key: str,
    fingerprint: str,
    ttl: timedelta,
    forward: Callable[[], Awaitable[UpstreamResponse]],
) -> tuple[UpstreamResponse, bool]:
    """Forward at most once per (tenant, key); returns the response and whether it is a replay."""
    if not key or len(key) > 255:
        raise UnprocessableEntity("The Idempotency-Key must have 1 to 255 characters.")
    now = datetime.now(UTC)
    async with db.session() as session:
        await session.execute(
            sa.delete(IdempotencyRecord).where(
                IdempotencyRecord.tenant_id == tenant_id,
                IdempotencyRecord.key == key,
                IdempotencyRecord.created_at < now - ttl,
            )
        )
        claimed = (
            await session.execute(
                insert(IdempotencyRecord)
                .values(
                    tenant_id=tenant_id,
                    key=key,
                    request_hash=fingerprint,
                    state="in_progress",
                    created_at=now,
                )
                .on_conflict_do_nothing()
                .returning(IdempotencyRecord.key)
            )
        ).first()
        if claimed is None:
            record = await session.get(IdempotencyRecord, (tenant_id, key))
            if record is None:
                raise Conflict("The Idempotency-Key is being reused concurrently; retry.")
            if record.request_hash != fingerprint:
                raise UnprocessableEntity("This Idempotency-Key was used for a different request.")
            if record.state != "done":
                raise Conflict(
                    "A request with this Idempotency-Key is still in progress.",
                    headers={"Retry-After": "1"},
                )
            return (
                UpstreamResponse(
                    record.status_code or 200,
                    {"content-type": record.content_type or "application/json"},
                    record.body or b"",
                ),
                True,
            )
    try:
        response = await forward()
    except BaseException:
        await _forget(db, tenant_id, key)
        raise
    if response.status >= 500:
        await _forget(db, tenant_id, key)
        return response, False
    async with db.session() as session:
        await session.execute(
            sa.update(IdempotencyRecord)
            .where(IdempotencyRecord.tenant_id == tenant_id, IdempotencyRecord.key == key)
            .values(
                state="done",
                status_code=response.status,
                content_type=response.headers.get("content-type"),
                body=response.body,
            )
        )
    return response, False


async def _forget(db: Database, tenant_id: uuid.UUID, key: str) -> None:
    async with db.session() as session:
        await session.execute(
            sa.delete(IdempotencyRecord).where(
                IdempotencyRecord.tenant_id == tenant_id, IdempotencyRecord.key == key
            )
        )


async def purge_expired(db: Database, *, ttl: timedelta) -> None:
    async with db.session() as session:
        await session.execute(
            sa.delete(IdempotencyRecord).where(
                IdempotencyRecord.created_at < datetime.now(UTC) - ttl
            )
        )
