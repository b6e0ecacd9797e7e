"""Public in/out models of interactions (the normalised form every channel adapter produces)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.contracts import AuthorClaims, ExtractedFeature
from shared.contracts._events import Channel, Direction, Visibility

Status = Literal["received", "identified", "scored", "routed", "responded", "resolved"]


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    content_type: str | None = None
    size: int = Field(ge=0)
    sha256: str | None = None


class AuthorIn(AuthorClaims):
    """Author claims as an integrator sends them; counts must be sane."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    handle: str | None = Field(default=None, max_length=200)
    profile_url: str | None = Field(default=None, max_length=2000)
    followers: int | None = Field(default=None, ge=0, le=10_000_000_000)
    following: int | None = Field(default=None, ge=0, le=10_000_000_000)
    posts: int | None = Field(default=None, ge=0, le=10_000_000_000)


class InteractionCreate(BaseModel):
    """The normalised interaction. Channel adapters build this from native payloads."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    external_id: str | None = Field(default=None, max_length=500)
    direction: Direction = "inbound"
    visibility: Visibility | None = None  # defaults from the channel when absent
    occurred_at: datetime | None = None
    author: AuthorIn = Field(default_factory=AuthorIn)
    subject: str | None = Field(default=None, max_length=2000)
    text: str = Field(default="", max_length=200_000)
    in_reply_to: str | None = Field(default=None, max_length=500)
    thread_key: str | None = Field(default=None, max_length=500)
    metadata: dict[str, Any] = Field(default_factory=dict)
    # Filled by channel adapters that parse more than plain text.
    quoted_text: str | None = None
    signature: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    engagement: dict[str, int] = Field(default_factory=dict)
    raw: dict[str, Any] | str | None = None

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("engagement")
    @classmethod
    def _non_negative(cls, value: dict[str, int]) -> dict[str, int]:
        if any(v < 0 for v in value.values()):
            raise ValueError("engagement counts must not be negative")
        return value


class Accepted(BaseModel):
    id: uuid.UUID
    status: Status
    duplicate: bool = False


class Extraction(BaseModel):
    """What ingest learned from the text."""

    names: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    handles: list[str] = Field(default_factory=list)
    customer_numbers: list[str] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list)
    language: str | None = None
    sentiment: float | None = None
    urgency: float | None = None
    escalation_signals: list[str] = Field(default_factory=list)
    features: list[ExtractedFeature] = Field(default_factory=list)


class MatchOut(BaseModel):
    decision: str
    probability: float
    explanation: list[dict[str, Any]] = Field(default_factory=list)


class SlaOut(BaseModel):
    """SLA timers of this interaction as the sla service reported them."""

    timers: list[dict[str, Any]] = Field(default_factory=list)
    state: str | None = None
    next_due_at: datetime | None = None


class ResponseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    interaction_id: uuid.UUID
    text: str
    visibility: Visibility
    channel: Channel
    agent_id: str | None
    created_at: datetime
    first: bool = False


class Interaction(BaseModel):
    """An interaction with everything the pipeline learned about it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: Status
    channel: Channel
    external_id: str | None
    direction: Direction
    visibility: Visibility
    occurred_at: datetime
    received_at: datetime
    author: dict[str, Any]
    subject: str | None
    text: str
    quoted_text: str | None
    signature: str | None
    thread_key: str | None
    in_reply_to: str | None
    attachments: list[dict[str, Any]]
    engagement: dict[str, int]
    metadata: dict[str, Any] = Field(validation_alias="meta")
    extracted: Extraction
    customer_id: uuid.UUID | None
    match: MatchOut | None
    score: dict[str, Any] | None
    risk: dict[str, Any] | None
    queue_id: uuid.UUID | None
    priority: float | None
    recommendations: list[str] = Field(default_factory=list)
    sla: SlaOut
    incident_id: uuid.UUID | None
    first_responded_at: datetime | None
    resolved_at: datetime | None
    responses: list[ResponseOut] = Field(
        default_factory=list, description="The agents' replies, oldest first."
    )


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class BatchItemResult(BaseModel):
    index: int
    status: Literal["accepted", "duplicate", "rejected"]
    id: uuid.UUID | None = None
    errors: list[dict[str, Any]] | None = None


class BatchResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    items: list[BatchItemResult]


class ResponseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=100_000)
    visibility: Visibility | None = None
    channel: Channel | None = None
