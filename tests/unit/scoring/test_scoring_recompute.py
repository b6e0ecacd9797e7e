"""Helpers of the graph recompute: locks, rescoring decisions, population quantiles."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np

from services.scoring.engine import CustomerSignals, ScoringConfig, audience_of
from services.scoring.graph.repository import GraphStats
from services.scoring.graph.service import _by_customer, moved
from services.scoring.locks import advisory_key
from services.scoring.population.service import _clean, to_stats
from services.scoring.recompute.service import _due
from services.scoring.scores.service import graph_signals

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
A, B = uuid.UUID(int=1), uuid.UUID(int=2)


def test_lock_keys_are_stable_signed_64_bit_and_per_tenant() -> None:
    key = advisory_key("incidents", A)
    assert key == advisory_key("incidents", A)
    assert -(2**63) <= key < 2**63
    assert key != advisory_key("incidents", B)
    assert key != advisory_key("recompute", A)


def test_a_customer_with_several_handles_takes_the_best_centrality_and_all_counts() -> None:
    stats = _by_customer(
        [(A, 0.2, 1, 0, 0), (A, None, 2, 1, 0), (A, 0.7, 0, 0, 3), (B, None, 0, 0, 0)]
    )
    assert stats[A] == GraphStats(0.7, 3, 1, 3)
    assert stats[B] == GraphStats(None, 0, 0, 0)


def test_only_a_real_move_in_the_graph_means_rescoring() -> None:
    assert not moved(GraphStats(0.5, 1, 0, 0), GraphStats(0.501, 1, 0, 0))
    assert moved(GraphStats(0.5, 1, 0, 0), GraphStats(0.6, 1, 0, 0))
    assert moved(GraphStats(None), GraphStats(0.0))
    assert moved(GraphStats(0.5, 1, 0, 0), GraphStats(0.5, 2, 0, 0))


def test_graph_signals_are_clamped_for_the_engine() -> None:
    signals = graph_signals(GraphStats(float("nan"), -3, 5, 2**40))
    assert signals["centrality"] is None
    assert signals["observed_mentions"] == 0
    assert signals["observed_reposts"] == 10_000_000_000
    assert graph_signals(GraphStats(1.5))["centrality"] == 1.0
    CustomerSignals(**graph_signals(GraphStats(1.5, 1, 2, 3)))


def test_audience_counts_the_largest_network_and_damps_the_rest() -> None:
    signals = CustomerSignals.model_validate(
        {"profiles": {"twitter": {"followers": 1000}, "instagram": {"followers": 400}}}
    )
    assert audience_of(signals, ScoringConfig(cross_network_damping=0.25)) == 1100.0
    assert audience_of(CustomerSignals(), ScoringConfig()) == 0.0


def test_stored_quantiles_become_population_stats() -> None:
    assert to_stats([], []) is None
    stats = to_stats([1.0, 2.0, 3.0], [])
    assert stats is not None and stats.audiences is None
    assert float(stats.value_percentile(3.0)) == 1.0
    assert _clean([3.0, None, float("nan"), -1.0, 1.0]) == [1.0, 3.0]
    assert np.all(np.diff(_clean([5.0, 1.0, 3.0])) >= 0)


def _state(graph_at: datetime | None, population_at: datetime | None) -> SimpleNamespace:
    return SimpleNamespace(graph_computed_at=graph_at, population_computed_at=population_at)


def test_tenants_whose_graph_moved_are_due_oldest_first() -> None:
    changed = {A: (NOW, None), B: (NOW, None)}
    states = {A: _state(NOW - timedelta(hours=1), None), B: _state(NOW - timedelta(hours=2), None)}
    due, deferred = _due(changed, states, now=NOW, population_every=timedelta(minutes=15))
    assert due == [(B, True, False), (A, True, False)]
    assert deferred == []


def test_an_up_to_date_tenant_is_not_due() -> None:
    due, _ = _due(
        {A: (NOW - timedelta(minutes=5), None)},
        {A: _state(NOW, None)},
        now=NOW,
        population_every=timedelta(minutes=15),
    )
    assert due == []


def test_population_waits_for_its_interval_but_is_not_forgotten() -> None:
    recent = NOW - timedelta(minutes=1)
    due, deferred = _due(
        {A: (None, NOW)}, {A: _state(None, recent)}, now=NOW, population_every=timedelta(minutes=15)
    )
    assert due == [] and deferred == [NOW]
    due, _ = _due(
        {A: (None, NOW)},
        {A: _state(None, NOW - timedelta(hours=1))},
        now=NOW,
        population_every=timedelta(minutes=15),
    )
    assert due == [(A, False, True)]
