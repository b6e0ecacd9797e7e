"""Influence in the interaction graph: who others amplify gains, normalised to 0–1."""

from __future__ import annotations

import numpy as np

from services.scoring.engine import (
    InfluenceGraph,
    adjacency,
    expected_spread,
    katz,
    normalise,
    pagerank,
)


def _star(n: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Everybody mentions node 0; a few also mention node 1."""
    src = np.concatenate([np.arange(1, n), np.arange(2, 6)])
    dst = np.concatenate([np.zeros(n - 1, dtype=int), np.ones(4, dtype=int)])
    return src, dst


def test_the_person_everyone_amplifies_ranks_first_by_every_measure() -> None:
    src, dst = _star()
    adj = adjacency(src, dst, None, 50)
    scores, iterations = pagerank(adj)
    assert np.isclose(scores.sum(), 1.0) and iterations > 0
    for measure in (scores, katz(adj), expected_spread(adj, exposure=np.full(50, 10.0))):
        assert int(np.argmax(measure)) == 0
        assert measure[1] > measure[10]


def test_platform_first_hop_numbers_scale_the_spread_estimate() -> None:
    src, dst = _star()
    adj = adjacency(src, dst, None, 50)
    hop = np.zeros(50)
    hop[0], hop[1] = 2.0, 8.0
    spread = expected_spread(adj, first_hop=hop)
    assert spread[1] > spread[0] > spread[10] == 1.0
    # Unknown platform numbers fall back to what the tenant observed.
    hop[0] = np.nan
    assert expected_spread(adj, first_hop=hop, exposure=np.full(50, 10.0))[0] > 1.0


def test_more_amplification_never_lowers_the_spread_estimate() -> None:
    src, dst = _star()
    base = expected_spread(adjacency(src, dst, None, 50), exposure=np.full(50, 5.0))
    more = expected_spread(
        adjacency(np.append(src, 7), np.append(dst, 1), None, 50), exposure=np.full(50, 5.0)
    )
    assert np.all(more >= base - 1e-12)


def test_normalised_centrality_is_within_0_and_1() -> None:
    values = normalise(np.array([1.0, 2.0, 40.0, np.nan, np.inf]), baseline=1.0)
    assert values.min() >= 0.0 and values.max() <= 1.0
    assert values[0] == 0.0 and values[2] == 1.0
    assert np.all(normalise(np.ones(4)) == 0.0)
    assert normalise(np.array([])).size == 0


def test_self_mentions_and_bad_weights_are_ignored() -> None:
    adj = adjacency([0, 1, 2], [0, 2, 1], [5.0, np.nan, -1.0], 3)
    assert adj.nnz == 0


def test_the_graph_warm_starts_after_new_interactions() -> None:
    for method in ("spread", "pagerank", "katz"):
        graph = InfluenceGraph(method=method)
        src, dst = _star(200)
        graph.add_interactions([f"u{s}" for s in src], [f"u{d}" for d in dst])
        first = graph.recompute()
        assert first.shape == (200,) and graph.centrality("u0") == 1.0
        graph.add_interaction("newcomer", "u1", weight=3.0)
        graph.set_platform_metrics("u1", posts=4, direct_amplifications_per_post=1.5)
        graph.recompute()
        assert graph.centrality("newcomer") is not None and len(graph) == 201
        assert graph.centrality("u1") > graph.centrality("u10")
        assert graph.centrality("stranger") is None


def test_an_empty_graph_is_fine() -> None:
    graph = InfluenceGraph()
    assert graph.recompute().size == 0
    assert pagerank(adjacency([], [], None, 0))[0].size == 0
