"""What the score is computed from: one customer's signals, validated at the edge."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.contracts import CustomerSnapshot

__all__ = [
    "KNOWN_NETWORKS",
    "MAX_COUNT",
    "MAX_OUTLETS",
    "CustomerSignals",
    "Network",
    "SocialProfile",
]

Network = Literal[
    "twitter", "facebook", "instagram", "linkedin", "xing", "mastodon", "blog", "tiktok", "youtube"
]
KNOWN_NETWORKS: tuple[str, ...] = get_args(Network)
_ALIASES = {"x": "twitter", "x.com": "twitter", "fb": "facebook", "ig": "instagram"}
# Nobody has more followers than there are people; larger numbers are data errors.
MAX_COUNT = 10_000_000_000
MAX_OUTLETS = 3
_MAX_RATE = 1e10


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class SocialProfile(_Strict):
    """One network's public profile as the platform shows it."""

    followers: int = Field(default=0, ge=0, le=MAX_COUNT)
    following: int = Field(default=0, ge=0, le=MAX_COUNT)
    posts: int = Field(default=0, ge=0, le=MAX_COUNT)
    # Either per-post reaction averages or the platform's engagement rate (reactions/followers).
    likes_per_post: float | None = Field(default=None, ge=0.0, le=_MAX_RATE)
    reposts_per_post: float | None = Field(default=None, ge=0.0, le=_MAX_RATE)
    replies_per_post: float | None = Field(default=None, ge=0.0, le=_MAX_RATE)
    engagement_rate: float | None = Field(default=None, ge=0.0, le=100.0)
    verified: bool = False
    headline: str | None = Field(default=None, max_length=2_000)
    company: str | None = Field(default=None, max_length=500)


class CustomerSignals(_Strict):
    """Everything known about one customer that the score uses."""

    value: float | None = Field(default=None, ge=0.0, le=1e15)
    tenure_days: int | None = Field(default=None, ge=0, le=100_000)
    tier: str | None = Field(default=None, max_length=100)
    open_contracts: int = Field(default=0, ge=0, le=1_000_000)
    nps: float | None = Field(default=None, ge=0.0, le=10.0)
    profiles: dict[str, SocialProfile] = Field(default_factory=dict)
    job_title: str | None = Field(default=None, max_length=2_000)
    company: str | None = Field(default=None, max_length=500)
    # What the tenant itself saw others do to this person (mentions, replies, reposts).
    observed_mentions: int = Field(default=0, ge=0, le=MAX_COUNT)
    observed_replies: int = Field(default=0, ge=0, le=MAX_COUNT)
    observed_reposts: int = Field(default=0, ge=0, le=MAX_COUNT)
    news_mentions: int = Field(default=0, ge=0, le=MAX_COUNT)
    # Where those mentions appeared, most frequent first (for the reason only).
    news_outlets: tuple[Annotated[str, Field(max_length=300)], ...] = Field(
        default=(), max_length=MAX_OUTLETS
    )
    # Precomputed by `graph.InfluenceGraph`; None when the person is not in the graph.
    centrality: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("profiles", mode="before")
    @classmethod
    def _known_networks(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for raw, profile in value.items():
            key = _ALIASES.get(str(raw).strip().lower(), str(raw).strip().lower())
            if key not in KNOWN_NETWORKS:
                raise ValueError(
                    f"unknown network {raw!r}; known networks: {', '.join(KNOWN_NETWORKS)}"
                )
            if key in out:
                raise ValueError(f"network {key!r} given twice")
            out[key] = profile
        return out

    @classmethod
    def from_snapshot(cls, snapshot: CustomerSnapshot, **extra: Any) -> CustomerSignals:
        """Signals from an identification's customer snapshot; bad or unknown profiles are skipped.

        Events come from other services, so one broken profile must not lose the whole score;
        `extra` carries what the snapshot lacks (observed counts, centrality, nps, …).
        """
        profiles: dict[str, SocialProfile] = {}
        fields = set(SocialProfile.model_fields)
        for raw, data in snapshot.social_profiles.items():
            key = _ALIASES.get(raw.strip().lower(), raw.strip().lower())
            if key not in KNOWN_NETWORKS or key in profiles:
                continue
            try:
                profiles[key] = SocialProfile.model_validate(
                    {k: v for k, v in data.items() if k in fields and v is not None}
                )
            except ValidationError:
                continue
        return cls(
            value=snapshot.value,
            tenure_days=snapshot.tenure_days,
            tier=snapshot.tier,
            profiles=profiles,
            **extra,
        )
