"""Payloads of every event on the bus. A breaking change is a new `.vN` class beside the old one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._envelope import EventPayload

__all__ = [
    "AuthorClaims",
    "CustomerErasedV1",
    "CustomerMentionedV1",
    "CustomerMergedV1",
    "CustomerMergedV2",
    "CustomerScoreChangedV1",
    "CustomerSnapshot",
    "CustomerUnmergedV1",
    "CustomerUnmergedV2",
    "ExtractedFeature",
    "IncidentDetectedV1",
    "InteractionFacts",
    "InteractionIdentifiedV1",
    "InteractionReceivedV1",
    "InteractionResolvedV1",
    "InteractionRespondedV1",
    "InteractionRoutedV1",
    "InteractionScoredV1",
    "MatchExplanation",
    "PublicationReceivedV1",
    "RiskAssessment",
    "ScoreComponent",
    "SlaBreachedV1",
    "SlaTimerStartedV1",
    "SlaTimerStoppedV1",
    "SlaWarningV1",
]

Channel = Literal[
    "email",
    "letter",
    "webform",
    "chat",
    "phone",
    "twitter",
    "facebook",
    "instagram",
    "mastodon",
    "linkedin",
    "xing",
    "blog",
    "news",
    "review",
]
Visibility = Literal["public", "private"]
Direction = Literal["inbound", "outbound"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AuthorClaims(_Part):
    """What the channel says about the writer; claims, not verified identity."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    handle: str | None = None
    profile_url: str | None = None
    followers: int | None = None
    following: int | None = None
    verified: bool | None = None
    posts: int | None = None


class ExtractedFeature(_Part):
    """One identifying feature found in the message, with where and how sure."""

    kind: str  # name, email, phone, handle, customer_number, contract_number, address, iban
    value: str
    source: str = "text"  # header, display_name, signature, text, metadata
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)


class InteractionFacts(_Part):
    """The facts about an interaction that every later stage needs (event-carried state)."""

    channel: Channel
    direction: Direction = "inbound"
    visibility: Visibility
    occurred_at: datetime
    language: str | None = None
    sentiment: float | None = Field(default=None, ge=-1.0, le=1.0)
    urgency: float | None = Field(default=None, ge=0.0, le=1.0)
    escalation_signals: list[str] = Field(default_factory=list)
    author: AuthorClaims = Field(default_factory=AuthorClaims)
    engagement: dict[str, int] = Field(default_factory=dict)  # likes, reposts, replies, quotes
    similarity_key: str | None = None
    thread_key: str | None = None


class InteractionReceivedV1(EventPayload):
    event_type: ClassVar[str] = "interaction.received.v1"

    interaction_id: uuid.UUID
    external_id: str | None = None
    facts: InteractionFacts
    subject: str | None = None
    text: str = ""
    extracted: list[ExtractedFeature] = Field(default_factory=list)


class MatchExplanation(_Part):
    field: str
    comparison: str
    weight: float


class CustomerSnapshot(_Part):
    """The customer fields scoring needs, carried with the identification."""

    customer_id: uuid.UUID
    tier: str | None = None
    value: float | None = None
    is_prospect: bool = False
    tenure_days: int | None = None
    social_profiles: dict[str, dict[str, int | float | bool | str | None]] = Field(
        default_factory=dict
    )


class InteractionIdentifiedV1(EventPayload):
    event_type: ClassVar[str] = "interaction.identified.v1"

    interaction_id: uuid.UUID
    facts: InteractionFacts
    customer_id: uuid.UUID | None
    decision: Literal["match", "review", "no_match"]
    probability: float = Field(ge=0.0, le=1.0)
    explanation: list[MatchExplanation] = Field(default_factory=list)
    customer: CustomerSnapshot | None = None


class ScoreComponent(_Part):
    name: str
    value: float = Field(ge=0.0, le=100.0)
    weight: float = Field(ge=0.0)
    reason: str


class RiskAssessment(_Part):
    value: float = Field(ge=0.0, le=1.0)
    tier: Literal["low", "elevated", "high", "critical"]
    reasons: list[str] = Field(default_factory=list)


class InteractionScoredV1(EventPayload):
    event_type: ClassVar[str] = "interaction.scored.v1"

    interaction_id: uuid.UUID
    facts: InteractionFacts
    customer_id: uuid.UUID | None
    social_customer_score: float = Field(ge=0.0, le=100.0)
    value_score: float = Field(ge=0.0, le=100.0)
    influence_score: float = Field(ge=0.0, le=100.0)
    components: list[ScoreComponent] = Field(default_factory=list)
    risk: RiskAssessment


class InteractionRoutedV1(EventPayload):
    event_type: ClassVar[str] = "interaction.routed.v1"

    interaction_id: uuid.UUID
    queue_id: uuid.UUID
    priority: float
    reasons: list[str] = Field(default_factory=list)
    recommendations: list[str] = Field(default_factory=list)


class InteractionRespondedV1(EventPayload):
    event_type: ClassVar[str] = "interaction.responded.v1"

    interaction_id: uuid.UUID
    response_id: uuid.UUID
    responded_at: datetime
    channel: Channel
    visibility: Visibility
    first: bool


class InteractionResolvedV1(EventPayload):
    event_type: ClassVar[str] = "interaction.resolved.v1"

    interaction_id: uuid.UUID
    resolved_at: datetime


class SlaTimerStartedV1(EventPayload):
    event_type: ClassVar[str] = "sla.timer.started.v1"

    timer_id: uuid.UUID
    interaction_id: uuid.UUID
    metric: Literal["first_response", "next_response", "resolution"]
    policy: str
    started_at: datetime
    due_at: datetime


class SlaTimerStoppedV1(EventPayload):
    event_type: ClassVar[str] = "sla.timer.stopped.v1"

    timer_id: uuid.UUID
    interaction_id: uuid.UUID
    metric: Literal["first_response", "next_response", "resolution"]
    stopped_at: datetime
    met: bool


class SlaWarningV1(EventPayload):
    event_type: ClassVar[str] = "sla.warning.v1"

    timer_id: uuid.UUID
    interaction_id: uuid.UUID
    metric: Literal["first_response", "next_response", "resolution"]
    due_at: datetime


class SlaBreachedV1(EventPayload):
    event_type: ClassVar[str] = "sla.breached.v1"

    timer_id: uuid.UUID
    interaction_id: uuid.UUID
    metric: Literal["first_response", "next_response", "resolution"]
    due_at: datetime
    breached_at: datetime


class CustomerScoreChangedV1(EventPayload):
    """A customer's Social Customer Score moved across a tier boundary."""

    event_type: ClassVar[str] = "customer.score_changed.v1"

    customer_id: uuid.UUID
    previous_tier: str | None
    tier: str
    previous_score: float | None = Field(default=None, ge=0.0, le=100.0)
    social_customer_score: float = Field(ge=0.0, le=100.0)


class IncidentDetectedV1(EventPayload):
    """Similar negative public messages are piling up: one incident, many people."""

    event_type: ClassVar[str] = "incident.detected.v1"

    incident_id: uuid.UUID
    interaction_ids: list[uuid.UUID]
    size: int = Field(ge=1)
    rate_per_hour: float = Field(ge=0.0)
    first_seen: datetime
    last_seen: datetime
    sample_text: str | None = None


class CustomerMergedV1(EventPayload):
    """`merged_id` now lives on as `survivor_id`; its interactions follow."""

    event_type: ClassVar[str] = "customer.merged.v1"

    survivor_id: uuid.UUID
    merged_id: uuid.UUID


class CustomerMergedV2(CustomerMergedV1):
    """A merge, with the survivor's master data as the merge left it.

    v1 plus `survivor`, so that a consumer keeping state derived from master data (scoring)
    brings the survivor up to date at once instead of at its next interaction. Identity
    publishes it beside v1 while v1's consumers move over.
    """

    event_type: ClassVar[str] = "customer.merged.v2"

    survivor: CustomerSnapshot | None = None


class CustomerUnmergedV1(EventPayload):
    """A merge was undone: `restored_id` is a customer of its own again."""

    event_type: ClassVar[str] = "customer.unmerged.v1"

    survivor_id: uuid.UUID
    restored_id: uuid.UUID
    interaction_ids: list[uuid.UUID] = Field(default_factory=list)


class CustomerUnmergedV2(CustomerUnmergedV1):
    """A merge was undone, with both customers' master data as the unmerge left it.

    v1 plus `survivor` and `restored`, so that a consumer keeping state derived from master
    data (scoring) brings both customers up to date at once instead of at their next
    interaction. Identity publishes it beside v1 while v1's consumers move over.
    """

    event_type: ClassVar[str] = "customer.unmerged.v2"

    survivor: CustomerSnapshot | None = None
    restored: CustomerSnapshot | None = None


class CustomerErasedV1(EventPayload):
    """GDPR erasure: every service deletes what it holds about this customer."""

    event_type: ClassVar[str] = "customer.erased.v1"

    customer_id: uuid.UUID


class PublicationReceivedV1(EventPayload):
    """A public news or blog item came in: where it appeared and whom it may name.

    `mentioned` holds the name and handle features found in its title and text; the author
    is given apart, since an item is not a mention of its own writer.
    """

    event_type: ClassVar[str] = "publication.received.v1"

    interaction_id: uuid.UUID
    channel: Literal["news", "blog"]
    outlet: str | None = None
    url: str | None = None
    published_at: datetime
    author: AuthorClaims = Field(default_factory=AuthorClaims)
    mentioned: list[ExtractedFeature] = Field(default_factory=list)


class CustomerMentionedV1(EventPayload):
    """A news or blog item names a known customer (one event per item and customer)."""

    event_type: ClassVar[str] = "customer.mentioned.v1"

    customer_id: uuid.UUID
    interaction_id: uuid.UUID
    channel: Literal["news", "blog"]
    outlet: str | None = None
    url: str | None = None
    published_at: datetime
    matched_by: Literal["handle", "name"]
    probability: float = Field(ge=0.0, le=1.0)
    customer: CustomerSnapshot | None = None
