"""Feed in/out models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field


class FeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl
    channel: Literal["blog", "news"] = "news"
    brand_terms: list[str] = Field(min_length=1, max_length=50)
    poll_seconds: int = Field(default=900, ge=60, le=86400)


class Feed(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    channel: str
    brand_terms: list[str]
    poll_seconds: int
    next_poll_at: datetime
    last_polled_at: datetime | None
    last_status: int | None
    last_error: str | None
    entries_seen: int
    mentions_found: int
    created_at: datetime
