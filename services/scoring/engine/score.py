"""The Social Customer Score: a value part and an influence part, each explained.

One vectorised kernel (`compute_scores_batch`) does the arithmetic for both paths, so a
customer scored alone and the same customer in a nightly batch of a million get the same number;
`compute_score` adds the human-readable reasons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import ScoreComponent

from .config import INFLUENCE_COMPONENTS, ScoringConfig
from .graph import SPREAD_SATURATION, spread_centrality
from .inputs import KNOWN_NETWORKS, CustomerSignals
from .roles import RoleMatch, classify_role, is_media_company, mentions_topic

__all__ = [
    "BatchScores",
    "CustomerScore",
    "PopulationStats",
    "SignalArrays",
    "audience_of",
    "compute_score",
    "compute_scores_batch",
]

FloatArray = NDArray[np.float64]
_TIER_NAMES = np.array(["unrated", "bronze", "silver", "gold", "platinum"])
# Inside the value part: revenue dominates, relationship signals refine it.
_VALUE_FACTORS = {"revenue": 0.5, "tenure": 0.15, "tier": 0.15, "contracts": 0.1, "nps": 0.1}
_CONTRACTS_SATURATION = 10.0
# Raw interaction counts (used when no graph centrality is known) are a weaker signal.
_OBSERVED_SHARE = 0.5
# Typical reactions per repost on the platforms, to read reactions as people passing a post on.
_LIKES_PER_REPOST = 10.0
_REPLIES_PER_REPOST = 1.0
# With neither a place in the graph nor any reactions seen (an author's first post, say), the
# audience is the only evidence of spread: about one follower in a thousand passing a post on is
# a typical platform ratio. Without it, 48k followers would count as reaching nobody.
_REPOSTS_PER_FOLLOWER = 0.001
# A role alone never maxes out authority: being quoted in the news still adds.
_ROLE_SHARE = 0.8
_MEDIA_ROLE = 0.5
_TOPIC_SHARE = 0.25
_DISPLAY = {"twitter": "X", "linkedin": "LinkedIn", "youtube": "YouTube", "tiktok": "TikTok"}


class CustomerScore(BaseModel):
    """One customer's Social Customer Score with its parts and explained components."""

    model_config = ConfigDict(frozen=True)

    social_customer_score: float = Field(ge=0.0, le=100.0)
    value_score: float = Field(ge=0.0, le=100.0)
    influence_score: float = Field(ge=0.0, le=100.0)
    components: list[ScoreComponent]
    tier: str


@dataclass(frozen=True)
class PopulationStats:
    """The tenant's distribution of customer value and audience, for percentile scaling."""

    values: FloatArray  # sorted
    audiences: FloatArray | None = None  # sorted

    @classmethod
    def from_values(
        cls,
        values: ArrayLike,
        *,
        audiences: ArrayLike | None = None,
        max_points: int = 10_001,
    ) -> PopulationStats:
        """Keep at most `max_points` quantiles of each finite, non-negative distribution."""
        return cls(_quantiles(values, max_points), _quantiles_or_none(audiences, max_points))

    def value_percentile(self, value: ArrayLike) -> FloatArray:
        """Share of the tenant's customers with value at or below `value` (0–1)."""
        return _percentile(self.values, value)

    def audience_percentile(self, audience: ArrayLike) -> FloatArray | None:
        """Share of the tenant's customers with audience at or below `audience`, if known."""
        return None if self.audiences is None else _percentile(self.audiences, audience)


def _quantiles(values: ArrayLike, max_points: int) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    arr = np.sort(arr[np.isfinite(arr) & (arr >= 0)])
    if arr.size > max_points:
        arr = np.quantile(arr, np.linspace(0.0, 1.0, max_points))
    return arr


def _quantiles_or_none(values: ArrayLike | None, max_points: int) -> FloatArray | None:
    return None if values is None else _quantiles(values, max_points)


def _percentile(sorted_values: FloatArray, x: ArrayLike) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if sorted_values.size == 0:
        return np.zeros_like(arr)
    return np.searchsorted(sorted_values, arr, side="right") / sorted_values.size


@dataclass
class SignalArrays:
    """Column-wise signals of many customers; per-network columns have shape (n, networks).

    Missing numbers are NaN (nps, centrality, value) or 0 (counts); `tier_points`, `role_weight`
    and `topic_match` are precomputed from text by `from_signals` or by the caller.
    """

    followers: FloatArray
    likes_per_post: FloatArray | None = None
    reposts_per_post: FloatArray | None = None
    replies_per_post: FloatArray | None = None
    verified: NDArray[np.bool_] | None = None
    value: FloatArray | None = None
    tenure_days: FloatArray | None = None
    tier_points: FloatArray | None = None
    open_contracts: FloatArray | None = None
    nps: FloatArray | None = None
    observed_interactions: FloatArray | None = None
    news_mentions: FloatArray | None = None
    role_weight: FloatArray | None = None
    media_company: NDArray[np.bool_] | None = None
    topic_match: NDArray[np.bool_] | None = None
    centrality: FloatArray | None = None

    @classmethod
    def from_signals(
        cls, signals: Sequence[CustomerSignals], config: ScoringConfig
    ) -> SignalArrays:
        """Arrays for a list of validated signals (one column per known network)."""
        n, k = len(signals), len(KNOWN_NETWORKS)
        col = {name: i for i, name in enumerate(KNOWN_NETWORKS)}
        followers = np.zeros((n, k))
        likes, reposts, replies = np.zeros((n, k)), np.zeros((n, k)), np.zeros((n, k))
        verified = np.zeros(n, dtype=bool)
        scalars = {
            name: np.full(n, np.nan)
            for name in ("value", "tenure_days", "tier_points", "nps", "centrality")
        }
        counts = {name: np.zeros(n) for name in ("open_contracts", "observed", "news", "role")}
        media, topic = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        for i, s in enumerate(signals):
            for net, p in s.profiles.items():
                j = col[net]
                followers[i, j] = p.followers
                likes[i, j], reposts[i, j], replies[i, j] = _per_post(p)
                verified[i] |= p.verified
            scalars["value"][i] = np.nan if s.value is None else s.value
            scalars["tenure_days"][i] = np.nan if s.tenure_days is None else s.tenure_days
            scalars["tier_points"][i] = _tier_points(s.tier, config)
            scalars["nps"][i] = np.nan if s.nps is None else s.nps
            scalars["centrality"][i] = np.nan if s.centrality is None else s.centrality
            counts["open_contracts"][i] = s.open_contracts
            counts["observed"][i] = s.observed_mentions + s.observed_replies + s.observed_reposts
            counts["news"][i] = s.news_mentions
            role, media[i], topic_name = _authority_text(s, config)
            counts["role"][i] = role.weight if role else 0.0
            topic[i] = topic_name is not None
        return cls(
            followers=followers,
            likes_per_post=likes,
            reposts_per_post=reposts,
            replies_per_post=replies,
            verified=verified,
            value=scalars["value"],
            tenure_days=scalars["tenure_days"],
            tier_points=scalars["tier_points"],
            open_contracts=counts["open_contracts"],
            nps=scalars["nps"],
            observed_interactions=counts["observed"],
            news_mentions=counts["news"],
            role_weight=counts["role"],
            media_company=media,
            topic_match=topic,
            centrality=scalars["centrality"],
        )


@dataclass
class BatchScores:
    """Scores of many customers, aligned with the input rows."""

    social_customer_score: FloatArray
    value_score: FloatArray
    influence_score: FloatArray
    components: dict[str, FloatArray] = field(default_factory=dict)
    tier: NDArray[np.str_] = field(default_factory=lambda: np.array([], dtype=str))


def _per_post(p: object) -> tuple[float, float, float]:
    likes = getattr(p, "likes_per_post", None)
    reposts = getattr(p, "reposts_per_post", None)
    replies = getattr(p, "replies_per_post", None)
    rate = getattr(p, "engagement_rate", None)
    if likes is None and reposts is None and replies is None and rate is not None:
        # Only a rate: reactions = rate × audience, counted like likes (most reactions are).
        return float(rate) * float(getattr(p, "followers", 0)), 0.0, 0.0
    return float(likes or 0.0), float(reposts or 0.0), float(replies or 0.0)


def _tier_points(tier: str | None, config: ScoringConfig) -> float:
    return config.tier_points.get(tier.strip().lower(), 0.0) if tier else 0.0


def _texts(s: CustomerSignals) -> tuple[list[str], list[str]]:
    titles = [t for t in [s.job_title, *(p.headline for p in s.profiles.values())] if t]
    companies = [c for c in [s.company, *(p.company for p in s.profiles.values())] if c]
    return titles, companies


def _authority_text(
    s: CustomerSignals, config: ScoringConfig
) -> tuple[RoleMatch | None, bool, str | None]:
    titles, companies = _texts(s)
    roles = [r for r in (classify_role(t) for t in titles) if r is not None]
    role = max(roles, key=lambda r: r.weight, default=None)
    media = any(is_media_company(c) for c in companies) or any(is_media_company(t) for t in titles)
    return role, media, mentions_topic(titles + companies, config.topics)


def _col(x: ArrayLike | None, n: int, *, fill: float = 0.0) -> FloatArray:
    if x is None:
        return np.full(n, fill)
    arr = np.asarray(x, dtype=np.float64)
    return np.broadcast_to(arr, (n,) if arr.ndim <= 1 else arr.shape).astype(np.float64)


def _clean(x: FloatArray, *, nan: float = 0.0) -> FloatArray:
    """Non-negative and finite: NaN becomes `nan`, infinities and negatives are clipped."""
    return np.clip(np.nan_to_num(x, nan=nan, posinf=1e15, neginf=0.0), 0.0, 1e15)


def _log_scale(x: FloatArray, saturation: float) -> FloatArray:
    out: FloatArray = np.clip(np.log1p(x) / np.log1p(saturation), 0.0, 1.0)
    return out


def _dedup(per_network: FloatArray, damping: float) -> FloatArray:
    """Largest network in full, the others damped: they mostly reach the same people again."""
    if per_network.ndim == 1:
        return per_network
    top = per_network.max(axis=1, initial=0.0)
    out: FloatArray = top + damping * (per_network.sum(axis=1) - top)
    return out


def compute_scores_batch(
    arrays: SignalArrays, config: ScoringConfig, *, population: PopulationStats | None = None
) -> BatchScores:
    """Scores of many customers at once (numpy only; about 1M rows per few seconds)."""
    followers = _clean(np.atleast_1d(np.asarray(arrays.followers, dtype=np.float64)))
    n = followers.shape[0]
    shape = followers.shape

    def per_net(x: FloatArray | None) -> FloatArray:
        return np.zeros(shape) if x is None else _clean(np.broadcast_to(x, shape))

    # Value part.
    raw_value = _col(arrays.value, n, fill=np.nan)
    has_value = np.isfinite(raw_value)
    value = _clean(raw_value)
    if population is not None and population.values.size:
        revenue = np.where(has_value, population.value_percentile(value), 0.0)
    else:
        revenue = _log_scale(value, config.value_reference)
    tenure = _log_scale(_clean(_col(arrays.tenure_days, n)), config.tenure_reference_days)
    tier = np.clip(_clean(_col(arrays.tier_points, n)), 0.0, 1.0)
    contracts = _log_scale(_clean(_col(arrays.open_contracts, n)), _CONTRACTS_SATURATION)
    raw_nps = _col(arrays.nps, n, fill=np.nan)
    has_nps = np.isfinite(raw_nps)
    nps = np.clip(np.nan_to_num(raw_nps, nan=0.0), 0.0, 10.0) / 10.0
    f = _VALUE_FACTORS
    numerator = (
        f["revenue"] * revenue
        + f["tenure"] * tenure
        + f["tier"] * tier
        + f["contracts"] * contracts
        + np.where(has_nps, f["nps"] * nps, 0.0)
    )
    denominator = 1.0 - np.where(has_nps, 0.0, f["nps"])
    value_c = 100.0 * numerator / denominator

    # Influence part.
    audience = _dedup(followers, config.cross_network_damping)
    verified = np.zeros(n, dtype=bool) if arrays.verified is None else np.asarray(arrays.verified)
    reach_c = np.minimum(
        100.0,
        100.0 * _log_scale(audience, config.reach_saturation) + config.verified_bonus * verified,
    )
    amplification = _dedup(
        config.like_weight * per_net(arrays.likes_per_post)
        + config.repost_weight * per_net(arrays.reposts_per_post)
        + config.reply_weight * per_net(arrays.replies_per_post),
        config.cross_network_damping,
    )
    engagement_c = 100.0 * _log_scale(amplification, config.amplification_saturation)
    raw_centrality = _col(arrays.centrality, n, fill=np.nan)
    observed = _OBSERVED_SHARE * _log_scale(
        _clean(_col(arrays.observed_interactions, n)), config.observed_saturation
    )
    # Outside the graph, the spread is at least the people who pass a typical post on: the
    # reactions read as reposts at typical platform ratios (likes steady the estimate).
    per_repost = (
        config.like_weight * _LIKES_PER_REPOST
        + config.repost_weight
        + config.reply_weight * _REPLIES_PER_REPOST
    )
    direct = spread_centrality(amplification / max(per_repost, 1e-9))
    from_audience = np.where(
        amplification > 0.0, 0.0, spread_centrality(audience * _REPOSTS_PER_FOLLOWER)
    )
    outside = np.maximum(np.maximum(direct, observed), from_audience)
    # Graph centrality is computed from the observed interactions and the platform's numbers,
    # so it replaces both rather than adding to them; they stand in for people outside it.
    centrality_c = 100.0 * np.where(
        np.isnan(raw_centrality), outside, np.clip(_clean(raw_centrality), 0.0, 1.0)
    )
    news = _log_scale(_clean(_col(arrays.news_mentions, n)), config.news_saturation)
    role = np.clip(_clean(_col(arrays.role_weight, n)), 0.0, 1.0)
    if arrays.media_company is not None:
        role = np.maximum(role, _MEDIA_ROLE * np.asarray(arrays.media_company, dtype=np.float64))
    topic = _TOPIC_SHARE * (
        0.0 if arrays.topic_match is None else np.asarray(arrays.topic_match, dtype=np.float64)
    )
    authority_c = 100.0 * (1.0 - (1.0 - news) * (1.0 - _ROLE_SHARE * role) * (1.0 - topic))

    components = {
        "value": value_c,
        "reach": reach_c,
        "engagement": engagement_c,
        "centrality": centrality_c,
        "authority": authority_c,
    }
    components = {k: np.clip(np.nan_to_num(v, nan=0.0), 0.0, 100.0) for k, v in components.items()}
    w = config.weights
    infl_total = w.influence_total()
    influence = np.zeros(n)
    if infl_total > 0.0:
        for name in INFLUENCE_COMPONENTS:
            influence += getattr(w, name) / infl_total * components[name]
    effective = config.effective_weights()
    total = sum(effective[name] * components[name] for name in effective)
    total = np.clip(np.asarray(total, dtype=np.float64), 0.0, 100.0)
    t = config.tiers
    bounds = np.array([t.bronze, t.silver, t.gold, t.platinum])
    tiers = _TIER_NAMES[np.searchsorted(bounds, total, side="right")]
    return BatchScores(
        social_customer_score=total,
        value_score=components["value"],
        influence_score=np.clip(influence, 0.0, 100.0),
        components=components,
        tier=tiers,
    )


def compute_score(
    signals: CustomerSignals,
    config: ScoringConfig,
    *,
    population: PopulationStats | None = None,
) -> CustomerScore:
    """One customer's Social Customer Score with a reason for every component."""
    batch = compute_scores_batch(
        SignalArrays.from_signals([signals], config), config, population=population
    )
    effective = config.effective_weights()
    reasons = {
        "value": _value_reason(signals, config, population),
        "reach": _reach_reason(signals, config, population),
        "engagement": _engagement_reason(signals),
        "centrality": _centrality_reason(signals, float(batch.components["centrality"][0])),
        "authority": _authority_reason(signals, config),
    }
    components = [
        ScoreComponent(
            name=name,
            value=round(float(batch.components[name][0]), 4),
            weight=round(effective[name], 6),
            reason=reasons[name],
        )
        for name in ("value", *INFLUENCE_COMPONENTS)
    ]
    return CustomerScore(
        social_customer_score=round(float(batch.social_customer_score[0]), 4),
        value_score=round(float(batch.value_score[0]), 4),
        influence_score=round(float(batch.influence_score[0]), 4),
        components=components,
        tier=str(batch.tier[0]),
    )


def audience_of(signals: CustomerSignals, config: ScoringConfig) -> float:
    """The customer's audience as the reach component sees it (overlapping networks damped)."""
    followers = np.array([[p.followers for p in signals.profiles.values()]], dtype=np.float64)
    if followers.size == 0:
        return 0.0
    return float(_dedup(_clean(followers), config.cross_network_damping)[0])


def _fmt_count(x: float) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= size:
            return f"{x / size:.1f}{unit}".replace(".0" + unit, unit)
    return f"{x:.0f}" if x == int(x) else f"{x:.1f}"


def _top_share(fraction_at_or_below: float) -> str:
    top = max(0.0, 1.0 - fraction_at_or_below) * 100.0
    if top < 1.0:
        return "top 1%"
    return f"top {top:.0f}%" if top <= 50.0 else f"bottom {100.0 - top:.0f}%"


def _network(name: str) -> str:
    return _DISPLAY.get(name, name.capitalize())


def _value_reason(
    s: CustomerSignals, config: ScoringConfig, population: PopulationStats | None
) -> str:
    parts: list[str] = []
    if s.value is None:
        parts.append("customer value unknown")
    elif population is not None and population.values.size:
        pct = float(population.value_percentile(s.value))
        parts.append(f"customer value {_fmt_count(s.value)} ({_top_share(pct)} of tenant)")
    else:
        parts.append(f"customer value {_fmt_count(s.value)}")
    if s.tenure_days is not None:
        years = s.tenure_days / 365.25
        parts.append(f"{years:.1f} years" if years >= 1 else f"{s.tenure_days} days")
    if s.tier:
        known = s.tier.strip().lower() in config.tier_points
        parts.append(f"tier {s.tier}" + ("" if known else " (not a configured tier)"))
    if s.open_contracts:
        parts.append(f"{s.open_contracts} open contract{'s' if s.open_contracts != 1 else ''}")
    if s.nps is not None:
        parts.append(f"NPS {s.nps:g}")
    return ", ".join(parts)


def _reach_reason(
    s: CustomerSignals, config: ScoringConfig, population: PopulationStats | None
) -> str:
    ranked = sorted(s.profiles.items(), key=lambda kv: kv[1].followers, reverse=True)
    if not ranked or ranked[0][1].followers == 0:
        base = "no public audience known"
        return base + (", verified" if any(p.verified for p in s.profiles.values()) else "")
    name, top = ranked[0]
    text = f"{_fmt_count(top.followers)} followers on {_network(name)}"
    if population is not None:
        audience = float(
            _dedup(
                np.array([[p.followers for _, p in ranked]], dtype=np.float64),
                config.cross_network_damping,
            )[0]
        )
        pct = population.audience_percentile(audience)
        if pct is not None:
            text += f" ({_top_share(float(pct))})"
    others = [f"{_fmt_count(p.followers)} on {_network(n)}" for n, p in ranked[1:] if p.followers]
    if others:
        text += "; also " + ", ".join(others[:3]) + " (overlapping audiences counted once)"
    if any(p.verified for p in s.profiles.values()):
        text += ", verified"
    return text


def _engagement_reason(s: CustomerSignals) -> str:
    best: tuple[float, str, float] | None = None
    for name, p in s.profiles.items():
        likes, reposts, replies = _per_post(p)
        reactions = likes + reposts + replies
        if reactions > 0 and (best is None or reactions > best[0]):
            rate = reactions / p.followers if p.followers else 0.0
            best = (reactions, name, rate)
    if best is None:
        return "no engagement data"
    reactions, name, rate = best
    text = f"≈{_fmt_count(round(reactions, 1))} reactions per post on {_network(name)}"
    return text + (f" ({rate:.1%} of audience)" if rate > 0 else "")


def _centrality_reason(s: CustomerSignals, component: float) -> str:
    observed = [
        f"{count} {label}"
        for count, label in (
            (s.observed_mentions, "mentions"),
            (s.observed_replies, "replies"),
            (s.observed_reposts, "reposts"),
        )
        if count
    ]
    seen = f"; seen {', '.join(observed)} by others" if observed else ""
    # The component is log(1 + people) on the spread scale: read it back as people.
    people = math.expm1(component / 100.0 * math.log1p(SPREAD_SATURATION))
    shown = round(people, 1)
    reach = f"≈{_fmt_count(shown)} {'person' if shown == 1 else 'people'} reached per message"
    if s.centrality is None:
        where = "not in the tenant's conversation graph"
        return (f"{where}; estimated {reach}" if people >= 0.05 else where) + seen
    return f"{reach} (centrality {s.centrality:.2f} in the tenant's conversation graph){seen}"


def _authority_reason(s: CustomerSignals, config: ScoringConfig) -> str:
    role, media, topic = _authority_text(s, config)
    _, companies = _texts(s)
    parts: list[str] = []
    if role is not None:
        matched = role.matched
        label = matched[:1].upper() + matched[1:]
        parts.append(f"{label} at {companies[0]}" if companies else label)
    elif media and companies:
        parts.append(f"works at {companies[0]} (news outlet)")
    if s.news_mentions:
        count = s.news_mentions
        where = f" ({', '.join(s.news_outlets)})" if s.news_outlets else ""
        parts.append(f"{count} news/blog mention{'s' if count != 1 else ''}{where}")
    if topic:
        parts.append(f"relevant to {topic!r}")
    return "; ".join(parts) if parts else "no authority signals"
