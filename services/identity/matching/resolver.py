"""Online resolution: which customer (if any) an incoming fragment belongs to."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .comparisons import COMPARISONS
from .model import (
    DEFAULT_THRESHOLDS,
    FieldEvidence,
    MatchModel,
    Thresholds,
    decide,
    deterministic_rule,
)
from .standardise import StandardRecord

__all__ = ["Resolution", "Resolver"]

_F = len(COMPARISONS)
_STRONG = tuple(
    i
    for i, c in enumerate(COMPARISONS)
    if c.name in {"birth_date", "email", "phone", "address", "handle", "customer_number"}
)


@dataclass(frozen=True, slots=True)
class Resolution:
    """Outcome for one incoming fragment; store `model_version` with the decision."""

    customer_id: str | None
    probability: float
    decision: str  # "match" | "review" | "no_match"
    explanation: tuple[FieldEvidence, ...]
    model_version: str
    match_weight: float | None = None
    rule: str | None = None
    # Other candidates also above the match threshold: most likely duplicates in the master.
    also_matching: tuple[str, ...] = ()
    runner_up_probability: float = 0.0


class Resolver:
    """Scores the candidates from the blocking lookup and picks the best customer."""

    def __init__(self, model: MatchModel, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.model = model
        self.thresholds = thresholds

    def resolve(self, incoming: StandardRecord, candidates: Sequence[StandardRecord]) -> Resolution:
        """Best customer, probability, decision and explanation; the online hot path."""
        model = self.model
        version = model.version
        if not candidates:
            return Resolution(None, 0.0, "no_match", (), version)

        if incoming.verified:
            hits = [(c, rule) for c in candidates if (rule := deterministic_rule(incoming, c))]
            if hits:
                # Rows sharing a verified identifier are the same person by the same rule:
                # duplicates in the master, reported so they can be merged.
                ids = tuple(dict.fromkeys(c.record_id for c, _ in hits if c.record_id))
                candidate, rule = hits[0]
                evidence = (FieldEvidence(rule, "verified_exact", math.inf),)
                return Resolution(
                    candidate.record_id, 1.0, "match", evidence, version, math.inf, rule, ids[1:]
                )

        # Only fields the incoming fragment has can produce evidence; skip the others.
        active = [
            (i, c.compare) for i, c in enumerate(COMPARISONS) if c.compare(incoming, incoming)
        ]
        tf_bits = model.tf_adjustments(incoming)
        weigh = model.weight_of_levels
        best_weight = second_weight = -math.inf
        best: StandardRecord | None = None
        best_levels: list[int] = []
        weights: list[float] = []
        for candidate in candidates:
            levels = [0] * _F
            for i, compare in active:
                levels[i] = compare(incoming, candidate)
            weight = weigh(levels, incoming, candidate, tf_bits)
            weights.append(weight)
            if weight > best_weight:
                second_weight, best_weight = best_weight, weight
                best, best_levels = candidate, levels
            elif weight > second_weight:
                second_weight = weight
        assert best is not None
        # At most one customer is the person (apart from duplicate rows of that customer), so
        # the candidates compete: P(best) = odds(best) / (1 + sum of odds of distinct people).
        also = self._duplicates_of(best, best_weight, candidates, weights)
        competing = 1.0
        for candidate, weight in zip(candidates, weights, strict=True):
            if candidate is best or candidate.record_id not in also:
                competing += _odds(weight)
        probability = _odds(best_weight) / competing if best_weight < 60 else 1.0
        decision = decide(probability, self.thresholds)
        return Resolution(
            customer_id=best.record_id if decision != "no_match" else None,
            probability=probability,
            decision=decision,
            explanation=model.explain(best_levels, incoming, best),
            model_version=version,
            match_weight=best_weight,
            also_matching=tuple(also) if decision == "match" else (),
            runner_up_probability=_probability(second_weight) if second_weight > -math.inf else 0.0,
        )

    def _duplicates_of(
        self,
        best: StandardRecord,
        best_weight: float,
        candidates: Sequence[StandardRecord],
        weights: Sequence[float],
    ) -> list[str]:
        """Candidates that are duplicate rows of the best one (they do not compete with it)."""
        out: list[str] = []
        # Only plausible candidates matter: one with odds below 1 barely changes the sum.
        floor = max(best_weight - 20.0, 0.0)
        model = self.model
        for candidate, weight in zip(candidates, weights, strict=True):
            if candidate is best or weight < floor or not candidate.record_id:
                continue
            if deterministic_rule(best, candidate):
                out.append(candidate.record_id)
                continue
            levels = [c.compare(best, candidate) for c in COMPARISONS]
            if (
                _probability(model.weight_of_levels(levels, best, candidate))
                < self.thresholds.match
            ):
                continue
            # A name alone does not make two master rows one person: they must also share a
            # strong attribute (the online fragment may lack it; the master rows do not).
            if any(levels[i] == 1 for i in _STRONG):
                out.append(candidate.record_id)
        return out


def _odds(weight: float) -> float:
    return 2.0 ** min(max(weight, -60.0), 60.0)


def _probability(weight: float) -> float:
    if weight >= 60:
        return 1.0
    if weight <= -60:
        return 0.0
    return 1.0 / (1.0 + 2.0 ** (-weight))
