"""Service-failure risk of one interaction: how bad, how public, how far it may travel.

risk = 1 − (1 − severity × virality) × (1 − urgency part)

- severity: negative sentiment and escalation signals (noisy-OR of independent alarms);
- virality: 0 on private channels, else the channel's publicity × (a floor + the author's reach
  and the early velocity of reposts/replies, when the platform reports them);
- urgency part: what a private complaint keeps; capped so only public spread reaches `critical`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from shared.contracts import InteractionFacts, RiskAssessment

from .config import ScoringConfig

__all__ = ["CHANNEL_PUBLICITY", "ESCALATION_WEIGHTS", "assess_risk", "velocity_per_hour"]

# How many eyes a public post on the channel reaches by default (news is already published).
CHANNEL_PUBLICITY: dict[str, float] = {
    "news": 1.0,
    "twitter": 1.0,
    "facebook": 0.85,
    "instagram": 0.8,
    "review": 0.8,
    "blog": 0.75,
    "linkedin": 0.75,
    "mastodon": 0.7,
    "xing": 0.5,
}
_OTHER_PUBLIC = 0.3
# Independent alarms; names are normalised (lower case, "_" for spaces and dashes).
ESCALATION_WEIGHTS: dict[str, float] = {
    "legal_threat": 0.6,
    "lawyer": 0.6,
    "regulator": 0.5,
    "media_threat": 0.6,
    "press": 0.5,
    "safety": 0.7,
    "data_breach": 0.7,
    "discrimination": 0.6,
    "public_shaming": 0.5,
    "boycott": 0.5,
    "cancellation": 0.45,
    "churn_threat": 0.45,
    "escalation_request": 0.35,
    "repeat_contact": 0.3,
    "complaint": 0.2,
    "urgent": 0.2,
    "profanity": 0.2,
    "all_caps": 0.15,
}
_UNKNOWN_SIGNAL = 0.25
_VIRALITY_FLOOR = 0.15
# With no velocity reported, engagement so far is weaker evidence (we do not know how fast).
_ENGAGEMENT_SHARE = 0.5
_URGENCY_CAP = 0.6
_DISPLAY = {"twitter": "X", "linkedin": "LinkedIn", "news": "news"}


def _norm(signal: str) -> str:
    return signal.strip().lower().replace("-", "_").replace(" ", "_")


def _log_scale(x: float, saturation: float) -> float:
    if not (x > 0.0):  # also catches NaN
        return 0.0
    if math.isinf(x):
        return 1.0
    return min(1.0, math.log1p(x) / math.log1p(saturation))


# Engagement of a post younger than this is averaged over this much time: a post seen one second
# after publishing with one repost is not spreading at 3,600 reposts per hour.
MIN_AGE_HOURS = 5.0 / 60.0
# Older posts: the counts say how far it went, not how fast it is going now.
MAX_AGE_HOURS = 7 * 24.0
_SPREADING = ("reposts", "replies", "quotes")


def velocity_per_hour(
    engagement: Mapping[str, int], *, occurred_at: datetime, now: datetime
) -> float | None:
    """Reposts, replies and quotes per hour since the post was published, if that means anything.

    None when nothing was shared, the age is unknown or the post is too old; a post from the
    future (clock skew) counts as just published.
    """
    shared = sum(max(0, int(engagement.get(k, 0) or 0)) for k in _SPREADING)
    if shared <= 0:
        return None
    try:
        age_h = (now - occurred_at).total_seconds() / 3600.0
    except TypeError:  # naive against aware datetime
        return None
    if not math.isfinite(age_h) or age_h > MAX_AGE_HOURS:
        return None
    return shared / max(age_h, MIN_AGE_HOURS)


def assess_risk(
    facts: InteractionFacts,
    *,
    influence_score: float,
    config: ScoringConfig,
    velocity_per_hour: float | None = None,
) -> RiskAssessment:
    """Risk 0–1 that this interaction turns into a visible service failure, with reasons."""
    if facts.direction == "outbound":
        return RiskAssessment(value=0.0, tier="low", reasons=["outbound message"])
    reasons: list[str] = []

    negativity = max(0.0, -facts.sentiment) if facts.sentiment is not None else 0.0
    if negativity > 0.0:
        reasons.append(f"negative sentiment ({facts.sentiment:+.2f})")
    calm = 1.0 - negativity
    signals = sorted({_norm(s) for s in facts.escalation_signals if s and s.strip()})
    for signal in signals:
        calm *= 1.0 - ESCALATION_WEIGHTS.get(signal, _UNKNOWN_SIGNAL)
    if signals:
        reasons.append("escalation: " + ", ".join(signals))
    severity = 1.0 - calm

    public_risk = 0.0
    if facts.visibility == "private":
        reasons.append("private channel: no virality risk")
    else:
        publicity = CHANNEL_PUBLICITY.get(facts.channel, _OTHER_PUBLIC)
        reasons.append(f"public on {_DISPLAY.get(facts.channel, facts.channel.capitalize())}")
        influence = min(1.0, max(0.0, influence_score / 100.0)) if influence_score > 0 else 0.0
        followers = facts.author.followers or 0
        # Separate evidence: the influence score ranks how far the author's words travel, the
        # audience the channel reports now covers authors the score knows little about.
        audience = _log_scale(followers, config.followers_saturation)
        reach = 1.0 - (1.0 - influence) * (1.0 - audience)
        if followers:
            reasons.append(f"author has {_fmt(followers)} followers")
        if influence >= 0.5:
            reasons.append(f"influential author (influence {influence_score:.0f})")
        if velocity_per_hour is not None and velocity_per_hour > 0:
            velocity = _log_scale(velocity_per_hour, config.velocity_saturation_per_hour)
            reasons.append(f"spreading at {velocity_per_hour:.0f} reposts/replies per hour")
        else:
            shared = sum(v for k, v in facts.engagement.items() if k != "likes" and v > 0)
            velocity = _ENGAGEMENT_SHARE * _log_scale(shared, config.velocity_saturation_per_hour)
            if shared:
                reasons.append(f"{shared} reposts/replies so far")
        exposure = 1.0 - (1.0 - reach) * (1.0 - velocity)
        virality = publicity * (_VIRALITY_FLOOR + (1.0 - _VIRALITY_FLOOR) * exposure)
        public_risk = severity * virality

    urgency = facts.urgency or 0.0
    if urgency >= 0.5:
        reasons.append(f"urgent ({urgency:.2f})")
    urgency_risk = _URGENCY_CAP * urgency * (0.4 + 0.6 * severity)
    value = 1.0 - (1.0 - public_risk) * (1.0 - urgency_risk)
    value = min(1.0, max(0.0, value)) if math.isfinite(value) else 0.0
    return RiskAssessment(value=value, tier=config.risk_tiers.tier_of(value), reasons=reasons)


def _fmt(x: float) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= size:
            return f"{x / size:.1f}{unit}".replace(".0" + unit, unit)
    return f"{x:.0f}"
