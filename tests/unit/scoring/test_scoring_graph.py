"""Influence in the interaction graph: who others amplify gains, normalised to 0–1."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.stats import spearmanr

from services.scoring.engine import (
    InfluenceGraph,
    adjacency,
    estimate_first_hop,
    estimate_spread,
    expected_spread,
    katz,
    normalise,
    pagerank,
    spread_centrality,
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
    assert spread[1] > spread[0] > spread[10] == 0.0
    # Without platform numbers, what the tenant saw per post stands in.
    assert expected_spread(adj, exposure=np.full(50, 10.0))[0] > 0.0


def test_more_amplification_never_lowers_the_spread_estimate() -> None:
    src, dst = _star()
    base = expected_spread(adjacency(src, dst, None, 50), exposure=np.full(50, 5.0))
    more = expected_spread(
        adjacency(np.append(src, 7), np.append(dst, 1), None, 50), exposure=np.full(50, 5.0)
    )
    assert np.all(more >= base - 1e-12)


def test_amplifiers_who_carry_messages_further_raise_the_spread() -> None:
    # 2 and 3 get the same first hop; 2 is passed on by 0 (who reaches many), 3 by 1 (nobody).
    adj = adjacency([0, 1], [2, 3], None, 4)
    spread = expected_spread(adj, first_hop=np.array([5.0, 0.0, 1.0, 1.0]))
    assert spread[2] > spread[3] >= 1.0


def _reactions(n: int, rng: np.random.Generator, rate: np.ndarray, posts: np.ndarray) -> dict:
    return {
        "likes": rng.poisson(4 * rate * posts).astype(float),
        "reposts": rng.poisson(rate * posts).astype(float),
        "replies": rng.poisson(0.5 * rate * posts).astype(float),
    }


def test_the_first_hop_follows_the_reactions_per_post() -> None:
    rng = np.random.default_rng(1)
    n = 400
    rate = rng.lognormal(-1.0, 1.0, n)
    posts = np.full(n, 20.0)
    hop = estimate_first_hop(
        n=n, followers=np.full(n, 100.0), sampled_posts=posts, **_reactions(n, rng, rate, posts)
    )
    assert hop is not None
    # In reposts per post: likes and replies count as evidence at the tenant's ratio.
    assert np.corrcoef(np.log(hop), np.log(rate))[0, 1] > 0.9
    assert 0.7 < np.median(hop / rate) < 1.3


def test_a_few_lucky_posts_are_shrunk_towards_what_the_audience_predicts() -> None:
    rng = np.random.default_rng(2)
    n = 402
    followers = rng.lognormal(5.0, 1.5, n)
    followers[:2] = followers[2:].min()
    rate = 0.002 * followers
    posts = np.full(n, 20.0)
    reactions = _reactions(n, rng, rate, posts)
    # Two small accounts at one repost (and four likes) per post: one from a single post, one
    # from twenty. The single post may be luck; twenty are evidence.
    posts[0] = 1.0
    for kind, per_post in (("likes", 4.0), ("reposts", 1.0), ("replies", 0.0)):
        reactions[kind][0] = per_post
        reactions[kind][1] = 20.0 * per_post
    hop = estimate_first_hop(n=n, followers=followers, sampled_posts=posts, **reactions)
    assert hop is not None
    typical_small = float(np.median(hop[2:][followers[2:] < np.quantile(followers, 0.05)]))
    # Both are believed more than their audience predicts, neither fully; twenty posts more.
    assert typical_small < hop[0] < hop[1] < 1.0
    assert hop[1] > 3.0 * hop[0]


def test_people_nobody_follows_reach_nobody() -> None:
    rng = np.random.default_rng(3)
    n = 300
    followers = np.where(np.arange(n) < 100, 0.0, rng.lognormal(4.0, 1.0, n))
    rate = 0.01 * followers
    posts = rng.integers(1, 20, n).astype(float)
    hop = estimate_first_hop(
        n=n, followers=followers, sampled_posts=posts, **_reactions(n, rng, rate, posts)
    )
    assert hop is not None
    assert np.all(hop[:100] == 0.0) and np.all(hop[100:] > 0.0)


def test_conversation_partners_lend_evidence_where_they_reach_alike() -> None:
    rng = np.random.default_rng(4)
    n = 2_000
    # Circles of ten people who talk among themselves and reach alike; one post each, so a
    # person's own reactions say little.
    circle_rate = rng.lognormal(-1.0, 1.0, n // 10)
    rate = np.repeat(circle_rate, 10)
    members = np.arange(n).reshape(-1, 10)
    src = np.repeat(members, 10, axis=1).ravel()
    dst = np.tile(members, 10).ravel()
    talk = adjacency(src, dst, None, n)
    posts = np.ones(n)
    reactions = _reactions(n, rng, rate, posts)
    followers = np.full(n, 100.0)
    alone = estimate_first_hop(n=n, followers=followers, sampled_posts=posts, **reactions)
    together = estimate_first_hop(
        n=n, followers=followers, sampled_posts=posts, circle=talk, **reactions
    )
    assert alone is not None and together is not None

    def error(hop: np.ndarray) -> float:
        return float(np.mean(np.abs(np.log(hop) - np.log(rate))))

    assert error(together) < 0.8 * error(alone)
    # Talking with random people: their reactions say nothing, the estimate stays put.
    shuffled = adjacency(src, rng.permutation(n)[dst], None, n)
    unrelated = estimate_first_hop(
        n=n, followers=followers, sampled_posts=posts, circle=shuffled, **reactions
    )
    assert unrelated is not None
    assert np.median(np.abs(np.log(unrelated / alone))) < 0.05


def _fans(rng: np.random.Generator, readiness: np.ndarray, authors: int) -> tuple[np.ndarray, ...]:
    """Five fans per author pass that author on once each, and pass on outsiders (people
    without platform numbers) as often as their readiness says."""
    fans = readiness.size
    fan = np.arange(fans)
    elsewhere = rng.poisson(10.0 * readiness)
    src = np.concatenate([authors + fan, authors + np.repeat(fan, elsewhere)])
    outsiders = authors + fans + rng.integers(0, 50, int(elsewhere.sum()))
    dst = np.concatenate([fan // 5, outsiders])
    return src, dst


def test_partners_who_pass_much_on_lend_evidence_where_that_predicts_reach() -> None:
    rng = np.random.default_rng(5)
    authors, fans = 300, 1_500
    n = authors + fans + 50
    readiness = rng.lognormal(0.0, 1.0, fans)
    # An author's first hop is how readily their fans pass things on; one post each, so their
    # own reactions say little. Every author is passed on exactly five times by their fans.
    rate = np.zeros(n)
    rate[:authors] = 0.2 * readiness.reshape(authors, 5).sum(axis=1)
    posts = np.where(np.arange(n) < authors, 1.0, 0.0)
    reactions = _reactions(n, rng, rate, posts)
    followers = np.where(np.arange(n) < authors, 100.0, np.nan)
    src, dst = _fans(rng, readiness, authors)
    common = {"n": n, "followers": followers, "sampled_posts": posts, **reactions}
    alone = estimate_first_hop(**common)
    together = estimate_first_hop(**common, circle=adjacency(src, dst, None, n))
    assert alone is not None and together is not None

    def error(hop: np.ndarray) -> float:
        return float(np.mean(np.abs(np.log(hop[:authors]) - np.log(rate[:authors]))))

    assert error(together) < 0.8 * error(alone)
    # Fans whose readiness has nothing to do with their author's reach: the estimate stays put.
    src, dst = _fans(rng, rng.permutation(readiness), authors)
    unrelated = estimate_first_hop(**common, circle=adjacency(src, dst, None, n))
    assert unrelated is not None
    assert np.median(np.abs(np.log(unrelated[:authors] / alone[:authors]))) < 0.05


def test_how_often_people_were_seen_passed_on_per_post_lends_evidence_where_it_predicts() -> None:
    rng = np.random.default_rng(6)
    authors, fans = 400, 4_000
    n = authors + fans
    is_author = np.arange(n) < authors
    rate = np.where(is_author, rng.lognormal(-1.0, 1.0, n), 0.0)
    # Reactions of one post each; the tenant saw them passed on over the whole period, and
    # people post very different amounts, so only the count per post says how far they reach.
    reacted = np.where(is_author, 1.0, 0.0)
    posts = np.where(is_author, np.round(rng.lognormal(3.0, 1.5, n)) + 1.0, np.nan)
    common = {
        "n": n,
        "followers": np.where(is_author, 100.0, np.nan),
        "sampled_posts": reacted,
        **_reactions(n, rng, rate, reacted),
    }

    def passed_on(per_post: np.ndarray) -> sp.csr_matrix:
        times = rng.poisson(0.5 * per_post[:authors] * posts[:authors])
        dst = np.repeat(np.arange(authors), times)
        return adjacency(authors + rng.integers(0, fans, dst.size), dst, None, n)

    seen = passed_on(rate)
    alone = estimate_first_hop(**common)
    together = estimate_first_hop(**common, circle=seen, posts=posts)
    assert alone is not None and together is not None

    def error(hop: np.ndarray) -> float:
        return float(np.mean(np.abs(np.log(hop[:authors]) - np.log(rate[:authors]))))

    assert error(together) < 0.85 * error(alone)
    # Passed on as often per post whatever their reach: the estimate stays put.
    typical = passed_on(np.full(n, float(np.median(rate[:authors]))))
    unrelated = estimate_first_hop(**common, circle=typical, posts=posts)
    assert unrelated is not None
    assert np.median(np.abs(np.log(unrelated[:authors] / alone[:authors]))) < 0.05


def test_the_graph_recompute_reads_how_often_people_were_passed_on_per_post() -> None:
    rng = np.random.default_rng(7)
    authors = 400
    rate = rng.lognormal(-1.0, 1.0, authors)
    posts = np.round(rng.lognormal(3.0, 1.5, authors)) + 1.0
    likes, reposts = rng.poisson(4 * rate), rng.poisson(rate)
    times = rng.poisson(0.5 * rate * posts)
    targets = [f"a{i}" for i in np.repeat(np.arange(authors), times)]
    sources = [f"f{i}" for i in rng.integers(0, 4_000, len(targets))]

    def spread(with_posts: bool) -> np.ndarray:
        graph = InfluenceGraph()
        graph.add_interactions(sources, targets)
        for i in range(authors):
            graph.set_platform_metrics(
                f"a{i}",
                followers=100,
                posts=float(posts[i]) if with_posts else None,
                sampled_posts=1,
                likes=float(likes[i]),
                reposts=float(reposts[i]),
            )
        graph.recompute()
        return np.array([graph.spread()[graph.node(f"a{i}")] for i in range(authors)])

    def rank_error(estimate: np.ndarray) -> float:
        return float(
            np.mean(np.abs(np.argsort(np.argsort(estimate)) - np.argsort(np.argsort(rate))))
        )

    assert rank_error(spread(with_posts=True)) < 0.9 * rank_error(spread(with_posts=False))


def test_the_platforms_repost_counts_are_the_spread_not_a_first_hop_to_carry_further() -> None:
    # Platforms count every repost of a post's cascade on the original post, so twenty posts
    # of reposts say how far a person's messages go; the amplifiers seen in the graph must not
    # multiply that again.
    rng = np.random.default_rng(11)
    n = 200
    spread = rng.lognormal(0.5, 1.0, n)
    graph = InfluenceGraph()
    amplifiers = rng.integers(0, n, 5 * n)
    graph.add_interactions([f"a{i}" for i in amplifiers], [f"a{i}" for i in range(n)] * 5)
    for i in range(n):
        graph.set_platform_metrics(
            f"a{i}",
            followers=100,
            posts=40,
            sampled_posts=20,
            likes=round(2 * spread[i] * 20),
            reposts=round(spread[i] * 20),
        )
    graph.recompute()
    estimate = np.array([graph.spread()[graph.node(f"a{i}")] for i in range(n)])
    assert 0.8 < np.median(estimate / spread) < 1.25
    assert np.corrcoef(np.log(estimate), np.log(spread))[0, 1] > 0.95


def test_people_without_reactions_are_judged_by_how_often_they_were_amplified() -> None:
    graph = InfluenceGraph()
    # a and b have platform numbers; c and d are only ever mentioned, c far more often.
    graph.add_interactions(["x", "y", "z"], ["a", "a", "b"])
    graph.add_interactions([f"p{i}" for i in range(30)], ["c"] * 30)
    graph.add_interaction("x", "d")
    graph.set_platform_metrics("a", followers=500, sampled_posts=10, likes=40, reposts=10)
    graph.set_platform_metrics("b", followers=50, sampled_posts=10, likes=4, reposts=1)
    graph.recompute()
    c, d = graph.centrality("c"), graph.centrality("d")
    assert c is not None and d is not None and c > d > 0.0
    # x only ever passed others on: no reactions, never amplified, nobody reached.
    assert graph.centrality("x") == 0.0


def test_without_any_reactions_there_is_no_first_hop_estimate() -> None:
    assert estimate_first_hop(n=3, followers=np.ones(3), sampled_posts=np.zeros(3)) is None
    assert estimate_first_hop(n=3, sampled_posts=np.ones(3), likes=np.zeros(3)) is None


def test_spread_centrality_is_absolute_so_a_tiny_graph_does_not_saturate() -> None:
    # Three people: one amplified twice per post by the other two. Relative to the top person
    # that would be 1.0; on the absolute scale it is a small number.
    graph = InfluenceGraph()
    graph.add_interactions(["b", "c"], ["a", "a"])
    for key in ("a", "b", "c"):
        graph.set_platform_metrics(key, posts=10)
    graph.recompute()
    small = graph.centrality("a")
    assert small is not None and 0.0 < small < 0.3
    # Unrelated people joining the tenant's graph barely move it (only through the tenant's
    # average onward reach, which backs up people with few amplifiers).
    graph.add_interactions([f"x{i}" for i in range(50)], [f"y{i}" for i in range(50)])
    graph.recompute()
    assert abs((graph.centrality("a") or 0.0) - small) < 0.02
    assert spread_centrality(np.array([0.0, 1e3, 1e9, np.nan, np.inf])).tolist() == [
        0.0,
        1.0,
        1.0,
        0.0,
        1.0,
    ]


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
        assert first.shape == (200,) and int(np.argmax(first)) == graph.node("u0")
        graph.add_interaction("newcomer", "u1", weight=3.0)
        graph.set_platform_metrics("u1", posts=4, sampled_posts=4, reposts=6, likes=20)
        graph.recompute()
        assert graph.centrality("newcomer") is not None and len(graph) == 201
        assert graph.centrality("u1") > graph.centrality("u10")
        assert graph.centrality("stranger") is None


def test_an_empty_graph_is_fine() -> None:
    graph = InfluenceGraph()
    assert graph.recompute().size == 0
    assert pagerank(adjacency([], [], None, 0))[0].size == 0


def test_a_few_viral_posts_do_not_make_everyone_elses_repost_counts_worthless() -> None:
    # Likes show the first hop, repost counts how far messages went beyond it. One person in a
    # hundred had a post go viral: a mean of squared residuals would read every count as luck
    # and fall back on the first hop for everybody else.
    rng = np.random.default_rng(12)
    n = 2_000
    hop = rng.lognormal(-1.0, 1.0, n)
    spread = hop * (1.0 + rng.lognormal(0.0, 1.0, n))
    posts = rng.integers(1, 21, n).astype(float)
    reposts = rng.poisson(spread * posts).astype(float)
    viral = rng.random(n) < 0.01
    common = {
        "followers": np.full(n, 100.0),
        "sampled_posts": posts,
        "likes": rng.poisson(4.0 * hop * posts).astype(float),
    }
    graph = adjacency([], [], None, n)
    clean = estimate_spread(graph, reposts=reposts, **common)
    hit = estimate_spread(graph, reposts=reposts + 5_000.0 * viral, **common)
    rest = ~viral
    assert spearmanr(hit[rest], spread[rest]).statistic > 0.85
    assert np.median(np.abs(np.log(hit[rest] / clean[rest]))) < 0.3
