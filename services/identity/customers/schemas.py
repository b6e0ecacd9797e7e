"""Customer in/out models."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

NETWORKS = (
    "twitter",
    "facebook",
    "instagram",
    "mastodon",
    "linkedin",
    "xing",
    "blog",
    "tiktok",
    "youtube",
)


class CustomerBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_number: str | None = Field(default=None, max_length=100)
    title: str | None = Field(default=None, max_length=100)
    given_name: str | None = Field(default=None, max_length=200)
    family_name: str | None = Field(default=None, max_length=200)
    date_of_birth: date | None = None
    street: str | None = Field(default=None, max_length=300)
    postcode: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    tier: str | None = Field(default=None, max_length=50)
    value: float | None = Field(default=None, ge=0, le=1e12)

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth(cls, value: date | None) -> date | None:
        if value is not None and not (date(1900, 1, 1) <= value <= date.today()):
            raise ValueError("date_of_birth must lie between 1900-01-01 and today")
        return value


class CustomerCreate(CustomerBase):
    emails: list[str] = Field(default_factory=list, max_length=20)
    phones: list[str] = Field(default_factory=list, max_length=20)
    handles: dict[str, str] = Field(default_factory=dict)

    @field_validator("handles")
    @classmethod
    def _known_networks(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(NETWORKS))
        if unknown:
            raise ValueError(f"unknown networks {unknown}; known: {list(NETWORKS)}")
        return value


class CustomerUpdate(CustomerBase):
    emails: list[str] | None = Field(default=None, max_length=20)
    phones: list[str] | None = Field(default=None, max_length=20)
    handles: dict[str, str] | None = None


class IdentityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    value: str
    verified: bool


class SocialProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    followers: int | None = Field(default=None, ge=0, le=10_000_000_000)
    following: int | None = Field(default=None, ge=0, le=10_000_000_000)
    posts: int | None = Field(default=None, ge=0, le=10_000_000_000)
    engagement: float | None = Field(default=None, ge=0, le=1_000_000)
    verified: bool | None = None
    headline: str | None = Field(default=None, max_length=500)
    job_title: str | None = Field(default=None, max_length=300)
    company: str | None = Field(default=None, max_length=300)
    profile_url: str | None = Field(default=None, max_length=2000)
    handle: str | None = Field(default=None, max_length=200)


class Customer(CustomerBase):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: uuid.UUID
    emails: list[str]
    phones: list[str]
    handles: dict[str, str]
    is_prospect: bool
    display_name: str | None = None
    merged_into: uuid.UUID | None = None
    created_at: datetime
    updated_at: datetime
    identities: list[IdentityOut] = Field(default_factory=list)
    social_profiles: dict[str, dict[str, Any]] = Field(default_factory=dict)


class PersonRecord(BaseModel):
    """A person as an incoming record describes them (any subset of fields)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    phone: str | None = None
    handle: str | None = None
    network: str | None = None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    date_of_birth: date | None = None
    customer_number: str | None = None


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[PersonRecord] = Field(min_length=1, max_length=1000)


class Resolution(BaseModel):
    customer_id: uuid.UUID | None
    probability: float
    decision: Literal["match", "review", "no_match"]
    explanation: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Per field: `field`, `comparison` (the level) and `weight` in bits.",
    )
    rule: str | None = None
    model_version: str | None = None
    also_matching: list[uuid.UUID] = Field(
        default_factory=list, description="Other customers above the threshold: duplicates."
    )


class ResolveResponse(BaseModel):
    results: list[Resolution]


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    other_id: uuid.UUID


class UnmergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merged_id: uuid.UUID | None = None


class CustomerExport(Customer):
    """Everything identity holds about a person."""

    standardised: list[dict[str, Any]] = Field(default_factory=list)
    merges: list[dict[str, Any]] = Field(default_factory=list)
    reviews: list[dict[str, Any]] = Field(default_factory=list)
    decisions: list[dict[str, Any]] = Field(default_factory=list)
