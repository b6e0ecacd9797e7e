"""Resolution in/out models: thresholds, model summary, review items."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class IdentityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    match_threshold: float = Field(ge=0.0, le=1.0, description="probability >= this: match")
    review_threshold: float = Field(ge=0.0, le=1.0, description="probability >= this: review")


class ModelInfo(BaseModel):
    version: str
    fitted_for_tenant: bool = Field(description="False while the priors are in use")
    parameters: dict[str, Any]


class ReviewItem(BaseModel):
    id: uuid.UUID
    interaction_id: uuid.UUID
    candidate_id: uuid.UUID
    prospect_id: uuid.UUID | None
    probability: float
    explanation: list[dict[str, Any]]
    model_version: str
    author: dict[str, Any]
    channel: str | None
    state: Literal["open", "accepted", "rejected"]
    created_at: datetime
    decided_at: datetime | None = None
