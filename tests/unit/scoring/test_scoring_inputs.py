"""Customer signals: absurd numbers and unknown networks are rejected at the edge."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from services.scoring.engine import KNOWN_NETWORKS, CustomerSignals
from shared.contracts import CustomerSnapshot


def test_unknown_networks_are_rejected_with_the_known_ones_listed() -> None:
    with pytest.raises(ValidationError, match=r"unknown network 'myspace'.*twitter"):
        CustomerSignals(profiles={"myspace": {"followers": 10}})


def test_network_names_are_normalised_and_x_means_twitter() -> None:
    signals = CustomerSignals(profiles={"X": {"followers": 10}, " LinkedIn ": {}})
    assert set(signals.profiles) == {"twitter", "linkedin"}
    assert set(signals.profiles) <= set(KNOWN_NETWORKS)


@pytest.mark.parametrize(
    "profile",
    [
        {"followers": -1},
        {"followers": 10**10 + 1},
        {"likes_per_post": float("nan")},
        {"reposts_per_post": float("inf")},
        {"engagement_rate": -0.1},
    ],
)
def test_negative_absurd_or_non_finite_counts_are_rejected(profile: dict) -> None:
    with pytest.raises(ValidationError):
        CustomerSignals(profiles={"twitter": profile})


def test_non_finite_value_and_out_of_range_nps_are_rejected() -> None:
    with pytest.raises(ValidationError):
        CustomerSignals(value=float("nan"))
    with pytest.raises(ValidationError):
        CustomerSignals(nps=11)
    with pytest.raises(ValidationError):
        CustomerSignals(centrality=1.5)


def test_a_snapshot_keeps_good_profiles_and_skips_broken_or_unknown_ones() -> None:
    snapshot = CustomerSnapshot(
        customer_id=uuid.uuid4(),
        tier="gold",
        value=1200.0,
        tenure_days=400,
        social_profiles={
            "twitter": {"followers": 5000, "verified": True},
            "instagram": {"followers": -3},
            "friendster": {"followers": 10},
        },
    )
    signals = CustomerSignals.from_snapshot(snapshot, news_mentions=2)
    assert set(signals.profiles) == {"twitter"}
    assert signals.profiles["twitter"].verified
    assert signals.value == 1200.0 and signals.news_mentions == 2
