"""Job out model."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class RowError(BaseModel):
    row: int | None = Field(description="1-based data row (header excluded); None for the file")
    field: str | None = None
    message: str


class Job(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: Literal["import", "retrain"]
    state: Literal["receiving", "queued", "running", "succeeded", "failed"]
    rows_read: int
    rows_imported: int
    rows_rejected: int
    bytes_total: int | None = None
    bytes_done: int
    progress: float = Field(ge=0.0, le=1.0)
    errors: list[RowError]
    errors_truncated: bool = False
    result: dict[str, Any]
    detail: str | None = None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
