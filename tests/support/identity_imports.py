"""Running an identity import in a test: rows in, the finished job out."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson


async def import_rows(db: Any, tenant: uuid.UUID, directory: Path, rows: Any) -> Any:
    """Import `rows` as an NDJSON file through the import service; the finished job."""
    from services.identity.imports import service as imports
    from services.identity.jobs import repository as jobs

    path = directory / f"{uuid.uuid4().hex}.ndjson"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    async with db.session() as session:
        job = await jobs.create(session, tenant_id=tenant, kind="import")
    await imports.run(db, tenant_id=tenant, job_id=job.id, path=path, kind="ndjson")
    async with db.session() as session:
        done = await jobs.get(session, tenant_id=tenant, job_id=job.id)
    assert done is not None
    return done


async def add_unknown_person(session: Any, tenant: uuid.UUID, email: str) -> uuid.UUID:
    """An unknown person (a prospect) holding `email` unverified, as resolution leaves one."""
    from datetime import UTC, datetime

    from services.identity.customers import repository
    from services.identity.customers.models import Customer
    from shared import uuid7

    now = datetime.now(UTC)
    unknown = Customer(
        id=uuid7(), tenant_id=tenant, display_name="fan", emails=[email], phones=[],
        handles={}, is_prospect=True, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(unknown)
    await session.flush()
    taken = await repository.add_identities(
        session, tenant_id=tenant, customer_id=unknown.id, keys=[("email", email)], verified=False
    )
    assert taken == []
    return unknown.id
