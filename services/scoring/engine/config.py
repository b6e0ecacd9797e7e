"""Tunable knobs of the Social Customer Score and the service-failure risk, per tenant."""

from __future__ import annotations

import itertools
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "ComponentWeights",
    "IncidentConfig",
    "RiskTiers",
    "ScoreTiers",
    "ScoringConfig",
]

ComponentName = Literal["value", "reach", "engagement", "centrality", "authority"]
INFLUENCE_COMPONENTS: tuple[ComponentName, ...] = ("reach", "engagement", "centrality", "authority")


_DEFAULT_TIER_POINTS = {
    "platinum": 1.0,
    "vip": 1.0,
    "enterprise": 1.0,
    "gold": 0.75,
    "premium": 0.75,
    "business": 0.6,
    "silver": 0.5,
    "plus": 0.4,
    "bronze": 0.25,
    "standard": 0.1,
    "basic": 0.1,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


class ComponentWeights(_Strict):
    """Relative importance of each component inside its part (value part, influence part)."""

    value: float = Field(default=1.0, ge=0.0)
    # Centrality is the expected spread, estimated from the audience and reactions as well as
    # the graph, so it carries most of the weight; reach and engagement alone are noisier
    # (bench/influence.py measures the ranking).
    reach: float = Field(default=0.15, ge=0.0)
    engagement: float = Field(default=0.05, ge=0.0)
    centrality: float = Field(default=0.70, ge=0.0)
    authority: float = Field(default=0.10, ge=0.0)

    @model_validator(mode="after")
    def _finite_and_not_all_zero(self) -> ComponentWeights:
        for name, value in self.model_dump().items():
            _finite(f"weight {name!r}", value)
        if self.influence_total() + self.value <= 0.0:
            raise ValueError("component weights must not all be zero")
        return self

    def influence_total(self) -> float:
        """Sum of the influence-part weights."""
        return self.reach + self.engagement + self.centrality + self.authority


class ScoreTiers(_Strict):
    """Lower bounds (0–100) of the score tiers; a score below `bronze` is `unrated`."""

    bronze: float = Field(default=0.0, ge=0.0, le=100.0)
    silver: float = Field(default=35.0, ge=0.0, le=100.0)
    gold: float = Field(default=60.0, ge=0.0, le=100.0)
    platinum: float = Field(default=80.0, ge=0.0, le=100.0)

    @model_validator(mode="after")
    def _strictly_increasing(self) -> ScoreTiers:
        bounds = [self.bronze, self.silver, self.gold, self.platinum]
        for name, value in zip(("bronze", "silver", "gold", "platinum"), bounds, strict=True):
            _finite(f"tier bound {name!r}", value)
        if any(b <= a for a, b in itertools.pairwise(bounds)):
            raise ValueError(
                "tier bounds must be strictly increasing: bronze < silver < gold < platinum, "
                f"got {bounds}"
            )
        return self

    def tier_of(self, score: float) -> str:
        """The tier name for a 0–100 score."""
        for name, bound in (
            ("platinum", self.platinum),
            ("gold", self.gold),
            ("silver", self.silver),
            ("bronze", self.bronze),
        ):
            if score >= bound:
                return name
        return "unrated"


class RiskTiers(_Strict):
    """Lower bounds (0–1) of the risk tiers; below `elevated` is `low`."""

    elevated: float = Field(default=0.30, gt=0.0, le=1.0)
    high: float = Field(default=0.55, gt=0.0, le=1.0)
    critical: float = Field(default=0.80, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _strictly_increasing(self) -> RiskTiers:
        bounds = [self.elevated, self.high, self.critical]
        for name, value in zip(("elevated", "high", "critical"), bounds, strict=True):
            _finite(f"risk bound {name!r}", value)
        if not self.elevated < self.high < self.critical:
            raise ValueError(
                f"risk bounds must be strictly increasing: elevated < high < critical, got {bounds}"
            )
        return self

    def tier_of(self, value: float) -> Literal["low", "elevated", "high", "critical"]:
        """The tier name for a 0–1 risk."""
        if value >= self.critical:
            return "critical"
        if value >= self.high:
            return "high"
        if value >= self.elevated:
            return "elevated"
        return "low"


class IncidentConfig(_Strict):
    """When similar negative public messages count as an incident candidate."""

    window_minutes: float = Field(default=60.0, gt=0.0, le=7 * 24 * 60)
    min_size: int = Field(default=5, ge=2, le=100_000)
    similarity_threshold: float = Field(default=0.75, gt=0.0, le=1.0)
    max_sentiment: float = Field(default=-0.2, ge=-1.0, le=1.0)
    # Bounds memory and the per-message cost (one similarity call per open cluster).
    max_clusters_per_tenant: int = Field(default=200, ge=1, le=100_000)
    max_members_per_cluster: int = Field(default=5_000, ge=2, le=1_000_000)


class ScoringConfig(_Strict):
    """Everything a tenant can tune about scoring; invalid values raise ValidationError."""

    weights: ComponentWeights = Field(default_factory=ComponentWeights)
    # Share of the value part in the Social Customer Score; the influence part gets the rest.
    value_share: float = Field(default=0.5, ge=0.0, le=1.0)
    tiers: ScoreTiers = Field(default_factory=ScoreTiers)
    risk_tiers: RiskTiers = Field(default_factory=RiskTiers)
    incidents: IncidentConfig = Field(default_factory=IncidentConfig)

    # Saturation points of the log scales: a signal at this level scores 100.
    value_reference: float = Field(default=100_000.0, gt=0.0, le=1e15)
    tenure_reference_days: float = Field(default=3_650.0, gt=0.0, le=100_000)
    reach_saturation: float = Field(default=10_000_000.0, gt=1.0, le=1e11)
    amplification_saturation: float = Field(default=10_000.0, gt=1.0, le=1e10)
    observed_saturation: float = Field(default=1_000.0, gt=1.0, le=1e10)
    news_saturation: float = Field(default=50.0, gt=1.0, le=1e8)
    # Secondary networks mostly reach the same people again: count them at this fraction.
    cross_network_damping: float = Field(default=0.25, ge=0.0, le=1.0)
    verified_bonus: float = Field(default=5.0, ge=0.0, le=50.0)
    # Reactions per post: a repost carries the message further than a like.
    repost_weight: float = Field(default=3.0, ge=0.0, le=100.0)
    reply_weight: float = Field(default=1.5, ge=0.0, le=100.0)
    like_weight: float = Field(default=0.5, ge=0.0, le=100.0)
    topics: tuple[str, ...] = Field(default=(), max_length=200)
    # How much the CRM tier (lower-cased) counts in the value part, 0–1; unknown tiers count 0.
    tier_points: dict[str, float] = Field(default_factory=lambda: dict(_DEFAULT_TIER_POINTS))

    # Risk: how much a fully viral author reach / velocity lifts the public risk.
    velocity_saturation_per_hour: float = Field(default=200.0, gt=0.0, le=1e9)
    followers_saturation: float = Field(default=1_000_000.0, gt=1.0, le=1e11)

    @field_validator("tier_points")
    @classmethod
    def _tier_points_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, points in value.items():
            if not (math.isfinite(points) and 0.0 <= points <= 1.0):
                raise ValueError(f"tier_points[{name!r}] must be within 0–1, got {points!r}")
            out[name.strip().lower()] = points
        return out

    @model_validator(mode="after")
    def _finite_floats(self) -> ScoringConfig:
        for name, value in self.model_dump(exclude={"weights", "tiers", "risk_tiers"}).items():
            if isinstance(value, float):
                _finite(name, value)
        if self.value_share == 1.0 and self.weights.value == 0.0:
            raise ValueError("value_share is 1 but the value weight is 0: nothing would be scored")
        if self.value_share == 0.0 and self.weights.influence_total() == 0.0:
            raise ValueError(
                "value_share is 0 but every influence weight is 0: nothing would be scored"
            )
        return self

    def effective_weights(self) -> dict[ComponentName, float]:
        """Each component's share of the Social Customer Score; sums to 1."""
        w = self.weights
        infl_total = w.influence_total()
        value_share = self.value_share
        # A part whose weights are all zero is switched off; the other part takes everything.
        if w.value == 0.0:
            value_share = 0.0
        elif infl_total == 0.0:
            value_share = 1.0
        out: dict[ComponentName, float] = {"value": value_share}
        for name in INFLUENCE_COMPONENTS:
            share = getattr(w, name) / infl_total if infl_total > 0.0 else 0.0
            out[name] = (1.0 - value_share) * share
        return out
