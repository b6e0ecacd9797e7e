"""Interaction risk: bad × public × far-reaching × fast, with reasons."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from services.scoring.engine import ScoringConfig, assess_risk
from shared.contracts import AuthorClaims, InteractionFacts

CONFIG = ScoringConfig()
AT = datetime(2025, 3, 1, 12, tzinfo=UTC)


def _facts(**kw: object) -> InteractionFacts:
    data: dict[str, object] = {
        "channel": "twitter",
        "visibility": "public",
        "occurred_at": AT,
        "sentiment": -0.8,
    }
    data.update(kw)
    return InteractionFacts.model_validate(data)


def test_private_complaint_has_no_virality_risk_but_keeps_urgency() -> None:
    private = _facts(channel="email", visibility="private", urgency=0.9)
    calm = _facts(channel="email", visibility="private", urgency=0.0)
    risk = assess_risk(private, influence_score=95, config=CONFIG, velocity_per_hour=500)
    assert "private channel: no virality risk" in risk.reasons
    assert risk.tier != "critical"
    assert risk.value > assess_risk(calm, influence_score=95, config=CONFIG).value
    assert assess_risk(calm, influence_score=95, config=CONFIG, velocity_per_hour=500).value == 0


def test_an_influential_public_complaint_outranks_an_unknown_one() -> None:
    nobody = assess_risk(_facts(), influence_score=5, config=CONFIG)
    star = assess_risk(
        _facts(author=AuthorClaims(followers=2_000_000)), influence_score=90, config=CONFIG
    )
    assert star.value > nobody.value
    assert any("2M followers" in r for r in star.reasons)


def test_fast_spread_raises_risk_to_critical() -> None:
    facts = _facts(escalation_signals=["legal_threat", "media-threat"])
    slow = assess_risk(facts, influence_score=70, config=CONFIG, velocity_per_hour=1)
    fast = assess_risk(facts, influence_score=70, config=CONFIG, velocity_per_hour=800)
    assert slow.value < fast.value
    assert fast.tier == "critical"
    assert "escalation: legal_threat, media_threat" in fast.reasons


def test_positive_outbound_and_quiet_messages_are_low_risk() -> None:
    assert assess_risk(_facts(sentiment=0.9), influence_score=90, config=CONFIG).tier == "low"
    outbound = assess_risk(_facts(direction="outbound"), influence_score=90, config=CONFIG)
    assert outbound.value == 0 and outbound.reasons == ["outbound message"]


@settings(max_examples=200, deadline=None)
@given(
    sentiment=st.none() | st.floats(min_value=-1, max_value=1),
    urgency=st.none() | st.floats(min_value=0, max_value=1),
    influence=st.floats(allow_nan=True, allow_infinity=True),
    velocity=st.none() | st.floats(allow_nan=True, allow_infinity=True),
    followers=st.none() | st.integers(min_value=0, max_value=10**10),
    visibility=st.sampled_from(["public", "private"]),
    signals=st.lists(st.sampled_from(["legal_threat", "whatever", "", "cancellation"])),
)
def test_risk_is_always_a_probability_with_a_tier(
    sentiment, urgency, influence, velocity, followers, visibility, signals
) -> None:
    facts = _facts(
        sentiment=sentiment,
        urgency=urgency,
        visibility=visibility,
        escalation_signals=signals,
        author=AuthorClaims(followers=followers),
    )
    risk = assess_risk(facts, influence_score=influence, config=CONFIG, velocity_per_hour=velocity)
    assert math.isfinite(risk.value) and 0.0 <= risk.value <= 1.0
    assert risk.tier == CONFIG.risk_tiers.tier_of(risk.value)


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0, max_value=1e6), st.floats(min_value=0, max_value=1e6))
def test_faster_spread_never_lowers_risk(a: float, b: float) -> None:
    low, high = sorted((a, b))
    values = [
        assess_risk(_facts(), influence_score=40, config=CONFIG, velocity_per_hour=v).value
        for v in (low, high)
    ]
    assert values[0] <= values[1]


def test_one_assessment_takes_well_under_two_milliseconds() -> None:
    facts = _facts(escalation_signals=["cancellation"], author=AuthorClaims(followers=5000))
    timings = []
    for _ in range(2000):
        t0 = time.perf_counter()
        assess_risk(facts, influence_score=50, config=CONFIG, velocity_per_hour=12)
        timings.append(time.perf_counter() - t0)
    assert sorted(timings)[int(len(timings) * 0.99)] < 0.002


def test_the_influence_score_ranks_authors_the_channel_reports_alike() -> None:
    # Same reported audience; the score knows one of them carries messages much further.
    facts = _facts(author=AuthorClaims(followers=10_000))
    quiet = assess_risk(facts, influence_score=20, config=CONFIG)
    carried = assess_risk(facts, influence_score=50, config=CONFIG)
    assert carried.value > quiet.value
