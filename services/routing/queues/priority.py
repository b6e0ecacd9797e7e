"""How urgent is this piece of work, and what should the agent do about it."""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts import InteractionScoredV1


@dataclass(frozen=True)
class Decision:
    priority: float
    reasons: list[str]
    recommendations: list[str]


def decide(p: InteractionScoredV1) -> Decision:
    """Priority 0–100 from the customer's score, the public risk, urgency and mood."""
    facts = p.facts
    reasons: list[str] = []
    score_part = 0.45 * p.social_customer_score
    reasons.append(f"Social Customer Score {p.social_customer_score:.0f} (+{score_part:.1f})")
    risk_part = 30.0 * p.risk.value
    if risk_part >= 1:
        reasons.append(f"{p.risk.tier} risk of a public service failure (+{risk_part:.1f})")
    urgency_part = 15.0 * (facts.urgency or 0.0)
    if urgency_part >= 1:
        reasons.append(f"urgency {facts.urgency:.2f} (+{urgency_part:.1f})")
    mood_part = 10.0 * max(0.0, -(facts.sentiment or 0.0))
    if mood_part >= 1:
        reasons.append(f"negative sentiment (+{mood_part:.1f})")
    priority = round(min(100.0, score_part + risk_part + urgency_part + mood_part), 2)

    recommendations: list[str] = []
    negative = (facts.sentiment or 0.0) < -0.2
    if facts.visibility == "public" and negative:
        recommendations.append("answer_publicly")
        recommendations.append("move_to_private")
    if facts.channel in {"email", "letter", "webform"} and (facts.urgency or 0.0) >= 0.6:
        recommendations.append("call_back")
    return Decision(priority=priority, reasons=reasons, recommendations=recommendations)
