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
