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
