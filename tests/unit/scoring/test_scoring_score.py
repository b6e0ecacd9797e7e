"""The Social Customer Score: bounded, explained, monotone, and the same in batch."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from services.scoring.engine import (
    CustomerSignals,
    PopulationStats,
    ScoringConfig,
    SignalArrays,
    classify_role,
    compute_score,
    compute_scores_batch,
)

CONFIG = ScoringConfig()
counts = st.integers(min_value=0, max_value=10**10)
rates = st.floats(min_value=0, max_value=1e10, allow_nan=False, allow_infinity=False)


def _component(signals: CustomerSignals, name: str, **kw: object) -> float:
    score = compute_score(signals, CONFIG, **kw)  # type: ignore[arg-type]
    return next(c.value for c in score.components if c.name == name)


profiles = st.fixed_dictionaries(
    {},
    optional={
        "followers": counts,
        "posts": counts,
        "likes_per_post": rates,
        "reposts_per_post": rates,
        "replies_per_post": rates,
        "engagement_rate": st.floats(min_value=0, max_value=100),
        "verified": st.booleans(),
        "headline": st.sampled_from(["", "Journalistin", "CEO", "Student", "Leiterin Einkauf"]),
    },
)
signals_strategy = st.builds(
    CustomerSignals,
    value=st.none() | st.floats(min_value=0, max_value=1e15),
    tenure_days=st.none() | st.integers(min_value=0, max_value=100_000),
    tier=st.none() | st.sampled_from(["gold", "bronze", "unknown-tier"]),
    open_contracts=st.integers(min_value=0, max_value=1_000_000),
    nps=st.none() | st.floats(min_value=0, max_value=10),
    profiles=st.dictionaries(st.sampled_from(["twitter", "linkedin", "youtube"]), profiles),
    observed_mentions=counts,
    news_mentions=counts,
    centrality=st.none() | st.floats(min_value=0, max_value=1),
)


@settings(max_examples=150, deadline=None)
@given(signals_strategy)
def test_score_is_never_nan(signals: CustomerSignals) -> None:
    score = compute_score(signals, CONFIG)
    numbers = [score.social_customer_score, score.value_score, score.influence_score]
    numbers += [c.value for c in score.components]
    assert all(math.isfinite(x) and 0.0 <= x <= 100.0 for x in numbers)
    assert all(c.reason for c in score.components)


@settings(max_examples=100, deadline=None)
@given(counts, counts, st.booleans())
def test_more_followers_never_lower_the_reach_component(a: int, b: int, verified: bool) -> None:
    low, high = sorted((a, b))
    reach = [
        _component(
            CustomerSignals(
                profiles={"twitter": {"followers": f, "verified": verified}, "linkedin": {}}
            ),
            "reach",
        )
        for f in (low, high)
    ]
    assert reach[0] <= reach[1]


@settings(max_examples=100, deadline=None)
@given(counts, counts, counts)
def test_more_followers_never_lower_the_influence_score(a: int, b: int, other: int) -> None:
    low, high = sorted((a, b))
    scores = [
        compute_score(
            CustomerSignals(
                profiles={
                    "twitter": {"followers": f, "likes_per_post": 3.0},
                    "linkedin": {"followers": other},
                }
            ),
            CONFIG,
        ).influence_score
        for f in (low, high)
    ]
    assert scores[0] <= scores[1]


@settings(max_examples=100, deadline=None)
@given(rates, rates)
def test_more_reposts_per_post_never_lower_engagement(a: float, b: float) -> None:
    low, high = sorted((a, b))
    values = [
        _component(
            CustomerSignals(profiles={"twitter": {"followers": 1000, "reposts_per_post": r}}),
            "engagement",
        )
        for r in (low, high)
    ]
    assert values[0] <= values[1]


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0, max_value=1e15), st.floats(min_value=0, max_value=1e15))
def test_more_customer_value_never_lowers_the_value_part(a: float, b: float) -> None:
    low, high = sorted((a, b))
    population = PopulationStats.from_values(np.geomspace(1, 1e7, 500))
    for pop in (None, population):
        values = [
            compute_score(CustomerSignals(value=v), CONFIG, population=pop).value_score
            for v in (low, high)
        ]
        assert values[0] <= values[1]


def test_the_same_audience_on_two_networks_is_not_counted_twice() -> None:
    one = _component(CustomerSignals(profiles={"twitter": {"followers": 100_000}}), "reach")
    two = _component(
        CustomerSignals(
            profiles={"twitter": {"followers": 100_000}, "instagram": {"followers": 100_000}}
        ),
        "reach",
    )
    double = _component(CustomerSignals(profiles={"twitter": {"followers": 200_000}}), "reach")
    assert one < two < double


def test_reasons_read_like_a_human_wrote_them() -> None:
    population = PopulationStats.from_values(
        np.geomspace(10, 1e6, 1000), audiences=np.geomspace(1, 50_000, 1000)
    )
    signals = CustomerSignals(
        value=50_000,
        tier="Gold",
        profiles={
            "twitter": {"followers": 1_200_000, "verified": True, "reposts_per_post": 40},
            "linkedin": {"followers": 800, "headline": "Journalist", "company": "Der Spiegel"},
        },
        news_mentions=3,
    )
    reasons = {
        c.name: c.reason for c in compute_score(signals, CONFIG, population=population).components
    }
    assert reasons["reach"].startswith("1.2M followers on X (top 1%)")
    assert "verified" in reasons["reach"]
    assert reasons["authority"].startswith("Journalist at Der Spiegel")
    assert "3 news/blog mentions" in reasons["authority"]
    assert "tier Gold" in reasons["value"]
    assert "of tenant" in reasons["value"]


def test_german_titles_count_as_authority() -> None:
    for title, category in [
        ("Redakteurin bei der Zeit", "press"),
        ("Journalistin", "press"),
        ("Geschäftsführerin", "executive"),
        ("Vorstand Finanzen", "executive"),
        ("Abteilungsleiterin Einkauf", "senior"),
        ("Pressesprecher der Stadtwerke", "spokesperson"),
        ("Head of Marketing", "senior"),
        ("VP Engineering", "senior"),
    ]:
        match = classify_role(title)
        assert match is not None and match.category == category, title
    assert classify_role("Student") is None


def test_a_journalist_outranks_an_anonymous_person_on_authority() -> None:
    journalist = CustomerSignals(job_title="Redakteur", company="Süddeutsche Zeitung")
    assert _component(journalist, "authority") > _component(CustomerSignals(), "authority") == 0


def test_batch_and_single_scoring_agree() -> None:
    rng = np.random.default_rng(0)
    signals = [
        CustomerSignals(
            value=float(rng.lognormal(8, 2)),
            tenure_days=int(rng.integers(0, 4000)),
            tier=["gold", None, "silver"][i % 3],
            nps=None if i % 2 else float(rng.integers(0, 11)),
            profiles={
                "twitter": {"followers": int(rng.lognormal(5, 3)), "likes_per_post": 4.0},
                "youtube": {"followers": int(rng.lognormal(3, 3)), "engagement_rate": 0.02},
            },
            observed_replies=int(rng.poisson(3)),
            centrality=float(rng.random()),
            job_title=["CEO", None, "Bloggerin"][i % 3],
        )
        for i in range(50)
    ]
    batch = compute_scores_batch(SignalArrays.from_signals(signals, CONFIG), CONFIG)
    for i, s in enumerate(signals):
        one = compute_score(s, CONFIG)
        assert math.isclose(one.social_customer_score, batch.social_customer_score[i], abs_tol=1e-3)
        assert one.tier == batch.tier[i]


def test_batch_scoring_survives_garbage_arrays() -> None:
    arrays = SignalArrays(
        followers=np.array([np.nan, np.inf, -5.0, 1e30]),
        likes_per_post=np.array([np.nan, 1.0, -1.0, np.inf]),
        value=np.array([np.inf, np.nan, -1.0, 5.0]),
        nps=np.array([np.nan, 12.0, -3.0, 7.0]),
        centrality=np.array([np.nan, 2.0, -1.0, 0.5]),
    )
    out = compute_scores_batch(arrays, CONFIG)
    for values in [out.social_customer_score, out.influence_score, *out.components.values()]:
        assert np.all(np.isfinite(values)) and np.all((values >= 0) & (values <= 100))


def test_tiers_follow_the_configured_bounds() -> None:
    config = ScoringConfig.model_validate(
        {"value_share": 1.0, "tiers": {"bronze": 10, "silver": 20, "gold": 30, "platinum": 40}}
    )
    assert compute_score(CustomerSignals(), config).tier == "unrated"
    rich = CustomerSignals(
        value=1e9, tenure_days=10_000, tier="platinum", open_contracts=20, nps=10
    )
    assert compute_score(rich, config).tier == "platinum"


def test_outside_the_graph_the_reactions_stand_in_for_the_spread() -> None:
    shared = {"followers": 2_000, "likes_per_post": 40.0}
    passed_on = CustomerSignals(profiles={"twitter": {**shared, "reposts_per_post": 30.0}})
    ignored = CustomerSignals(profiles={"twitter": shared})
    silent = CustomerSignals(profiles={"twitter": {"followers": 2_000}})
    spread = [_component(s, "centrality") for s in (passed_on, ignored, silent)]
    # With no reactions at all, the audience stands in (about one follower in a thousand).
    assert spread[0] > spread[1] > spread[2] > 0.0
    # In the graph, its estimate (which already weighed the reactions) is used as it is.
    known = [
        _component(s.model_copy(update={"centrality": 0.3}), "centrality")
        for s in (passed_on, silent)
    ]
    assert known == [30.0, 30.0]
    # The reasons read the component back as people: log(1 + people) against 1,000 people.
    reason = compute_score(passed_on.model_copy(update={"centrality": 0.3}), CONFIG).components
    text = next(c.reason for c in reason if c.name == "centrality")
    assert text.startswith("≈6.9 people reached per message (centrality 0.30")
    outside = next(
        c.reason for c in compute_score(passed_on, CONFIG).components if c.name == "centrality"
    )
    assert outside.startswith("not in the tenant's conversation graph; estimated ≈")


def test_the_influence_part_follows_the_spread_estimate_more_than_the_audience() -> None:
    # A small account whose messages reach ~20 people outranks a large one whose messages
    # reach ~1: the audience alone is a weaker guide than the estimated spread.
    travels = CustomerSignals(profiles={"twitter": {"followers": 800}}, centrality=0.45)
    stalls = CustomerSignals(profiles={"twitter": {"followers": 80_000}}, centrality=0.1)
    assert (
        compute_score(travels, CONFIG).influence_score
        > compute_score(stalls, CONFIG).influence_score
    )


def test_an_author_seen_for_the_first_time_is_as_influential_as_the_audience_says() -> None:
    """No place in the graph, no reactions yet: the audience is the evidence, not a zero."""
    big = compute_score(CustomerSignals(profiles={"twitter": {"followers": 48_000}}), CONFIG)
    small = compute_score(CustomerSignals(profiles={"twitter": {"followers": 50}}), CONFIG)
    centrality = {c.name: c for c in big.components}["centrality"]
    assert centrality.value > 40.0 and "people reached per message" in centrality.reason
    assert big.influence_score > 40.0 > small.influence_score
    # Reactions seen on the posts are better evidence than the audience, and take over.
    quiet = compute_score(
        CustomerSignals(profiles={"twitter": {"followers": 48_000, "likes_per_post": 0.5}}),
        CONFIG,
    )
    assert quiet.influence_score < big.influence_score
