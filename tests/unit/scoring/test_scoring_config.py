"""Scoring configuration: sensible defaults, invalid values rejected with clear messages."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from services.scoring.engine import ScoringConfig


def test_defaults_validate_and_effective_weights_sum_to_one() -> None:
    config = ScoringConfig()
    assert math.isclose(sum(config.effective_weights().values()), 1.0)
    assert config.effective_weights()["value"] == config.value_share


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"reach": -1.0}, "greater than or equal to 0"),
        ({"reach": float("nan")}, "greater than or equal to 0"),
        ({"engagement": float("inf")}, "finite"),
        (
            {"value": 0, "reach": 0, "engagement": 0, "centrality": 0, "authority": 0},
            "must not all be zero",
        ),
    ],
)
def test_weights_that_do_not_validate_are_rejected(weights: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ScoringConfig.model_validate({"weights": weights})


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        ScoringConfig.model_validate({"weights": {"klout": 1.0}})


def test_tier_bounds_must_strictly_increase_within_0_to_100() -> None:
    with pytest.raises(ValidationError, match="strictly increasing"):
        ScoringConfig.model_validate({"tiers": {"silver": 70, "gold": 60}})
    with pytest.raises(ValidationError, match="less than or equal to 100"):
        ScoringConfig.model_validate({"tiers": {"platinum": 120}})


def test_risk_tier_bounds_must_increase_within_0_to_1() -> None:
    with pytest.raises(ValidationError, match="strictly increasing"):
        ScoringConfig.model_validate({"risk_tiers": {"elevated": 0.6, "high": 0.5}})
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        ScoringConfig.model_validate({"risk_tiers": {"critical": 1.5}})


def test_a_blend_that_scores_nothing_is_rejected() -> None:
    with pytest.raises(ValidationError, match="value weight is 0"):
        ScoringConfig.model_validate({"value_share": 1.0, "weights": {"value": 0}})
    zero = {"reach": 0, "engagement": 0, "centrality": 0, "authority": 0}
    with pytest.raises(ValidationError, match="every influence weight is 0"):
        ScoringConfig.model_validate({"value_share": 0.0, "weights": zero})


def test_a_switched_off_part_hands_its_share_to_the_other() -> None:
    config = ScoringConfig.model_validate({"weights": {"value": 0.0}})
    effective = config.effective_weights()
    assert effective["value"] == 0.0
    assert math.isclose(sum(effective.values()), 1.0)


def test_incident_settings_are_bounded() -> None:
    with pytest.raises(ValidationError):
        ScoringConfig.model_validate({"incidents": {"min_size": 1}})
    with pytest.raises(ValidationError):
        ScoringConfig.model_validate({"incidents": {"similarity_threshold": 0}})


def test_tier_points_outside_0_to_1_are_rejected() -> None:
    with pytest.raises(ValidationError, match="within 0–1"):
        ScoringConfig.model_validate({"tier_points": {"gold": 2.0}})
