"""Incident detection: spikes of similar negative public messages within a window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.scoring.engine import IncidentConfig, IncidentDetector
from shared.contracts import InteractionFacts

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)


def topic_similarity(a: str, b: str) -> float:
    """Fake: keys look like 'topic:detail'; same topic means similar."""
    return 1.0 if a.split(":")[0] == b.split(":")[0] else 0.0


def _facts(key: str, minutes: float, **kw: object) -> InteractionFacts:
    data: dict[str, object] = {
        "channel": "twitter",
        "visibility": "public",
        "occurred_at": T0 + timedelta(minutes=minutes),
        "sentiment": -0.7,
        "similarity_key": key,
    }
    data.update(kw)
    return InteractionFacts.model_validate(data)


def _detector(**kw: object) -> IncidentDetector:
    return IncidentDetector(IncidentConfig.model_validate(kw), similarity=topic_similarity)


def test_a_spike_of_similar_complaints_becomes_an_incident_candidate() -> None:
    detector = _detector(min_size=5, window_minutes=60)
    results = [
        detector.observe("t1", interaction_id=i, facts=_facts(f"outage:{i}", minutes=i * 2))
        for i in range(8)
    ]
    assert results[:4] == [None] * 4
    first = results[4]
    assert first is not None and first.new and first.size == 5
    last = results[-1]
    assert last is not None and not last.new and last.size == 8
    assert last.incident_id == first.incident_id
    assert last.rate_per_hour > 30  # 8 messages in 14 minutes
    assert last.acceleration_per_hour2 > 0  # everything in the recent half of the window
    assert last.interaction_ids == tuple(range(8))


def test_dissimilar_private_or_positive_messages_do_not_make_an_incident() -> None:
    detector = _detector(min_size=3)
    feed = [
        _facts("billing:1", 0),
        _facts("outage:1", 1),
        _facts("outage:2", 2, visibility="private", channel="email"),
        _facts("outage:3", 3, sentiment=0.8),
        _facts("outage:4", 4, direction="outbound"),
        _facts("delivery:1", 5),
    ]
    assert all(detector.observe("t", interaction_id=i, facts=f) is None for i, f in enumerate(feed))
    assert detector.candidates("t") == []


def test_messages_older_than_the_window_fall_out() -> None:
    detector = _detector(min_size=3, window_minutes=30)
    for i in range(3):
        detector.observe("t", interaction_id=i, facts=_facts("outage:x", minutes=i))
    assert [c.size for c in detector.candidates("t")] == [3]
    detector.observe("t", interaction_id=99, facts=_facts("other:y", minutes=120))
    assert detector.candidates("t") == []
    late = detector.observe("t", interaction_id=100, facts=_facts("outage:z", minutes=1))
    assert late is None


def test_tenants_are_kept_apart_and_memory_stays_bounded() -> None:
    detector = _detector(min_size=2, max_clusters_per_tenant=3, max_members_per_cluster=4)
    detector.observe("a", interaction_id=1, facts=_facts("outage:1", 0))
    assert detector.observe("b", interaction_id=2, facts=_facts("outage:2", 1)) is None
    for i in range(10):
        detector.observe("a", interaction_id=10 + i, facts=_facts(f"topic{i}:x", 2 + i))
    for i in range(10):
        detector.observe("a", interaction_id=30 + i, facts=_facts("flood:x", 20 + i))
    state = detector._tenants["a"]
    assert len(state.clusters) <= 3
    assert all(len(c.members) <= 4 for c in state.clusters)
    assert [c.size for c in detector.candidates("a")] == [4]


def test_escalation_without_sentiment_still_counts() -> None:
    detector = _detector(min_size=2)
    for i in range(2):
        result = detector.observe(
            "t",
            interaction_id=i,
            facts=_facts("recall:x", i, sentiment=None, escalation_signals=["safety"]),
        )
    assert result is not None and result.size == 2
