"""The incident rules the stored clusters share with the in-memory detector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.scoring.engine import closest, should_announce, spike_rates
from services.scoring.incidents.service import sample

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)


def prefix_similarity(a: str, b: str) -> float:
    """Fake: the share of the first four characters two keys have in common."""
    return sum(x == y for x, y in zip(a[:4], b[:4], strict=False)) / 4


def test_the_most_similar_cluster_above_the_threshold_wins() -> None:
    clusters = [(1, "billing"), (2, "outx"), (3, "outage")]
    assert closest("outa", clusters, threshold=0.75, similarity=prefix_similarity) == 3
    assert closest("zzzz", clusters, threshold=0.75, similarity=prefix_similarity) is None
    assert closest("outage", [], threshold=0.1, similarity=prefix_similarity) is None


def test_on_a_tie_the_last_cluster_offered_wins() -> None:
    clusters = [(1, "outage-a"), (2, "outage-b")]
    assert closest("outage-c", clusters, threshold=0.75, similarity=prefix_similarity) == 2


def test_an_incident_is_announced_at_min_size_and_again_when_it_doubles() -> None:
    announced = [
        size
        for size, reported in [(4, 0), (5, 0), (5, 5), (9, 5), (10, 5), (19, 10), (20, 10)]
        if should_announce(size, reported_size=reported, min_size=5)
    ]
    assert announced == [5, 10, 20]


def test_a_burst_is_fast_and_accelerating() -> None:
    rate, acceleration = spike_rates(
        size=8, recent=8, first_seen=T0, latest=T0 + timedelta(minutes=14), window_minutes=60
    )
    assert 34 < rate < 35
    assert acceleration > 0


def test_copies_within_a_second_are_not_infinitely_fast() -> None:
    rate, _ = spike_rates(size=5, recent=5, first_seen=T0, latest=T0, window_minutes=60)
    assert rate == 60.0  # five messages over the five-minute floor


def test_a_fading_spike_decelerates() -> None:
    _, acceleration = spike_rates(
        size=10, recent=2, first_seen=T0, latest=T0 + timedelta(minutes=55), window_minutes=60
    )
    assert acceleration < 0


def test_the_sample_is_one_short_line() -> None:
    assert sample("Kein\n\nInternet   seit heute", "Störung") == "Störung Kein Internet seit heute"
    long = sample("x" * 1_000)
    assert long is not None and len(long) == 280 and long.endswith("…")
    assert sample("   ") is None
