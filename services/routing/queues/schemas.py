"""Queue in/out models."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class QueueCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    is_default: bool = False


class Queue(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    is_default: bool
    created_at: datetime


class QueueItem(BaseModel):
    """Waiting work with its priority and why."""

    model_config = ConfigDict(from_attributes=True)

    interaction_id: uuid.UUID
    queue_id: uuid.UUID
    priority: float
    reasons: list[str]
    recommendations: list[str]
    channel: str | None
    customer_id: uuid.UUID | None
    due_at: datetime | None
    created_at: datetime
