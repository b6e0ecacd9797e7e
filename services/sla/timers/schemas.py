"""Policy and timer in/out models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts._events import Channel

Metric = Literal["first_response", "next_response", "resolution"]
TimerState = Literal["running", "warning", "breached", "met", "missed"]


class PolicyConditions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: list[Channel] = Field(default_factory=list)  # empty: every channel
    visibility: Literal["public", "private"] | None = None


class PolicyTargets(BaseModel):
    """Targets in seconds."""

    model_config = ConfigDict(extra="forbid")

    first_response: int | None = Field(default=None, ge=1, le=366 * 86400)
    next_response: int | None = Field(default=None, ge=1, le=366 * 86400)
    resolution: int | None = Field(default=None, ge=1, le=366 * 86400)

    @model_validator(mode="after")
    def _at_least_one(self) -> PolicyTargets:
        if self.first_response is None and self.resolution is None and self.next_response is None:
            raise ValueError("a policy needs at least one target")
        return self


class PolicyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    position: int = Field(default=100, ge=0, le=1_000_000)
    conditions: PolicyConditions = Field(default_factory=PolicyConditions)
    targets: PolicyTargets
    warn_ratio: float = Field(default=0.8, gt=0.0, lt=1.0)


class Policy(PolicyCreate):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime


class Timer(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    interaction_id: uuid.UUID
    metric: Metric
    policy: str
    channel: str
    state: TimerState
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    breached_at: datetime | None
    stopped_at: datetime | None
