"""Does the Social Customer Score's influence part mean something? A synthetic ground truth.

No public ground truth for influence exists, so this builds one:

1. follow graphs: directed preferential attachment (scale-free, with a little follow-back) and
   Watts–Strogatz (small world), every account with a heterogeneous (log-normal) activity;
2. information spread: independent cascade (IC) and linear threshold (LT, exact live-edge form),
   many Monte Carlo runs per sampled seed, vectorised over (seed, run) lanes → each sampled
   node's true expected spread, with as many runs as make that estimate's own noise cost a ρ
   at most 1% (`rho_ceiling` ≥ 0.99; `--runs` to start with, then more where needed);
3. what a platform shows, and all the score gets (`Observables`): per account its follower
   count, its posts in the observed period, and likes/reposts/replies totalled over at most
   `--recent-posts` (20) recent posts. Reposts are counted as the platforms count them: every
   repost in the post's cascade is a repost of the original, whoever the reposter saw it from
   (X counts a repost of a repost on the original post; Mastodon boosts always attach to the
   original status), so each recent post gets one simulated cascade and its reposts are that
   cascade's size less the author (`--reposts cascade`); `--reposts direct` shows only the
   author's direct reposts instead (Poisson draws around what the followers would do), for
   comparison. Likes and replies come from the author's followers only (Poisson draws around
   what they would do). Plus the tenant's partial view of who mentioned/replied to/reposted
   whom (a `--coverage` share of the period's interactions, and random chatter). Never shown:
   the follow graph, activities, edge probabilities, which diffusion model runs, or any
   cascade beyond the repost counts of the accounts' own recent posts;
4. the Social Customer Score influence part computed from those observables only, through the
   production path (`InfluenceGraph` then `compute_scores_batch`, one method for every graph
   and model), ranked against the true spread (Spearman ρ) next to naive baselines;
5. interaction risk: one cascade per lane, "large" = top 5% by final size, risk computed from
   the author's score and the reposts seen in the first hour (ROC AUC);
6. timings: the vectorised 1M-customer recompute, one interaction's risk in-process, a 100k-node
   graph recompute.

Steps 1–5 run once per random seed (`--seeds` of them, from `--seed` on): the table shows the
mean over seeds, and the ρ of the score is also listed per seed with its minimum, so one lucky
graph cannot carry a claim.

Run: .venv/bin/python bench/influence.py [--seeds 3 --nodes 50000 --runs 400 --sources 3000]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata, spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.scoring.engine import (
    InfluenceGraph,
    ScoringConfig,
    SignalArrays,
    adjacency,
    assess_risk,
    compute_score,
    compute_scores_batch,
    katz,
    pagerank,
)
from services.scoring.engine.inputs import CustomerSignals
from shared.contracts import AuthorClaims, InteractionFacts

# Target of issue 5: the influence part ranks by true expected spread at least this well.
TARGET_RHO = 0.8
# The "true" spread is itself a Monte Carlo mean: its noise caps the ρ any score can reach
# (`rho_ceiling`: how well the truth would rank its own noisy estimate) and pulls every ρ down
# with it. The runs must make that cap negligible before a ρ is read against the target: with
# 300 runs the ceiling on ws/LT was 0.960 and held the score's ρ down by about 0.03.
TRUTH_CEILING = 0.99


@dataclass
class FollowGraph:
    """Flow graph: an edge u → v means v follows u, so u's posts reach v."""

    n: int
    src: np.ndarray
    dst: np.ndarray
    activity: np.ndarray


def preferential_attachment(n: int, m: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Each new account follows m earlier ones, ∝ (followers + 1); 10% follow back."""
    targets = np.empty(n * m * 2 + m, dtype=np.int64)
    filled = 0
    src, dst = [], []
    for t in range(1, n):
        k = min(m, t)
        if filled == 0 or rng.random() < 0.15:
            leaders = rng.choice(t, size=k, replace=False)
        else:
            leaders = np.unique(targets[rng.integers(0, filled, size=k)])
        src.append(leaders)
        dst.append(np.full(leaders.size, t))
        targets[filled : filled + leaders.size] = leaders
        filled += leaders.size
        targets[filled] = t  # the "+1": every account is a little attractive
        filled += 1
    s, d = np.concatenate(src), np.concatenate(dst)
    back = rng.random(s.size) < 0.10
    s, d = np.concatenate([s, d[back]]), np.concatenate([d, s[back]])
    keys = np.unique(s * n + d)
    return keys // n, keys % n


def small_world(n: int, k: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    g = nx.watts_strogatz_graph(n, k, 0.1, seed=int(rng.integers(1 << 31)))
    e = np.array(g.edges(), dtype=np.int64)
    return np.concatenate([e[:, 0], e[:, 1]]), np.concatenate([e[:, 1], e[:, 0]])


def make_graph(kind: str, n: int, rng: np.random.Generator) -> FollowGraph:
    src, dst = preferential_attachment(n, 4, rng) if kind == "ba" else small_world(n, 8, rng)
    activity = rng.lognormal(0.0, 1.2, n)
    return FollowGraph(n, src, dst, activity / activity.mean())


def edge_probabilities(g: FollowGraph, model: str, r0: float) -> np.ndarray:
    """Per flow edge u → v: chance that v passes one of u's messages on (IC) / LT weight."""
    if model == "ic":
        raw = g.activity[g.dst]
    else:
        in_deg = np.bincount(g.dst, minlength=g.n).astype(float)
        raw = g.activity[g.dst] / np.maximum(in_deg[g.dst], 1.0)
    beta = r0 * g.n / raw.sum()  # mean number of direct reposts per message = r0
    p = np.minimum(0.9, beta * raw)
    if model == "lt":
        # LT live-edge: each node picks at most one parent, so its in-weights sum to ≤ 1.
        in_sum = np.bincount(g.dst, weights=p, minlength=g.n)
        p = p / np.maximum(1.0, in_sum[g.dst])
    return p


def _splitmix(x: np.ndarray) -> np.ndarray:
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (z ^ (z >> np.uint64(31))) >> np.uint64(11)  # 53 random bits


def simulate(
    g: FollowGraph,
    p: np.ndarray,
    model: str,
    seeds: np.ndarray,
    runs: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Final size and first-generation size of every (seed, run) lane."""
    order = np.lexsort((g.dst, g.src))
    src, dst, prob = g.src[order], g.dst[order], p[order]
    indptr = np.searchsorted(src, np.arange(g.n + 1))
    if model == "lt":
        # Per edge: the slice [lo, lo + p) of the follower's parent choice it owns.
        by_dst = np.lexsort((src, dst))
        cum = np.cumsum(prob[by_dst])
        starts = np.searchsorted(dst[by_dst], dst[by_dst])
        before = cum - prob[by_dst] - np.where(starts > 0, cum[starts - 1], 0.0)
        lo = np.empty_like(prob)
        lo[by_dst] = before
    salt = np.uint64(rng.integers(1 << 62))
    lanes_total = seeds.size * runs
    sizes = np.zeros(lanes_total, dtype=np.int64)
    gen1 = np.zeros(lanes_total, dtype=np.int64)
    chunk = max(1, min(lanes_total, 60_000_000 // g.n))
    visited = np.zeros(chunk * g.n, dtype=bool)
    for start in range(0, lanes_total, chunk):
        lanes = np.arange(start, min(start + chunk, lanes_total))
        local = lanes - start
        f_lane, f_node = local, seeds[lanes // runs]
        visited[local * g.n + f_node] = True
        touched = [local * g.n + f_node]
        sizes[lanes] = 1
        generation = 0
        while f_lane.size:
            generation += 1
            counts = indptr[f_node + 1] - indptr[f_node]
            total = int(counts.sum())
            if total == 0:
                break
            lane_rep = np.repeat(f_lane, counts)
            offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
            e = np.repeat(indptr[f_node], counts) + offsets
            v = dst[e]
            if model == "ic":
                ok = rng.random(total) < prob[e]
            else:
                key = (lane_rep + start).astype(np.uint64) * np.uint64(g.n) + v.astype(np.uint64)
                u = _splitmix(key ^ salt).astype(np.float64) / float(1 << 53)
                ok = (u >= lo[e]) & (u < lo[e] + prob[e])
            keys = np.unique(lane_rep[ok] * g.n + v[ok])
            keys = keys[~visited[keys]]
            visited[keys] = True
            touched.append(keys)
            f_lane, f_node = keys // g.n, keys % g.n
            new = np.bincount(f_lane, minlength=local.size)
            sizes[lanes] += new
            if generation == 1:
                gen1[lanes] = new
        visited[np.concatenate(touched)] = False
    return sizes, gen1


@dataclass
class Observables:
    followers: np.ndarray
    posts: np.ndarray
    likes_pp: np.ndarray
    reposts_pp: np.ndarray
    replies_pp: np.ndarray
    observed: sp.csr_matrix  # observed[i, j]: i mentioned/replied to/reposted j
    verified: np.ndarray


def observe(
    g: FollowGraph,
    p: np.ndarray,
    model: str,
    args: argparse.Namespace,
    rng: np.random.Generator,
) -> Observables:
    n, coverage = g.n, args.coverage
    followers = np.bincount(g.src, minlength=n).astype(float)
    posts = rng.poisson(30.0 * g.activity) + 1.0
    recent = np.minimum(posts, args.recent_posts)
    direct = np.bincount(g.src, weights=p, minlength=n)  # expected direct reposts per post
    like_p = np.minimum(1.0, 4.0 * p)
    if args.reposts == "cascade":
        # One cascade per recent post; the platform counts all of it on the original.
        authors = np.repeat(np.arange(n), recent.astype(np.int64))
        sizes, _ = simulate(g, p, model, authors, 1, rng)
        reposts_pp = np.bincount(authors, weights=sizes - 1, minlength=n) / recent
    else:
        reposts_pp = rng.poisson(recent * direct) / recent
    replies_pp = rng.poisson(recent * 0.5 * direct) / recent
    likes_pp = rng.poisson(recent * np.bincount(g.src, weights=like_p, minlength=n)) / recent
    # The tenant sees a share of the interactions of the observed period, plus random chatter.
    counts = rng.poisson(posts[g.src] * 1.5 * p * coverage)
    noise = rng.integers(0, n, size=(n // 2, 2))
    rows = np.concatenate([g.dst, noise[:, 0]])
    cols = np.concatenate([g.src, noise[:, 1]])
    weights = np.concatenate([counts, np.ones(n // 2)]).astype(float)
    observed = adjacency(rows, cols, weights, n)
    top = followers >= np.quantile(followers, 0.999)
    verified = top & (rng.random(n) < 0.5)
    return Observables(followers, posts, likes_pp, reposts_pp, replies_pp, observed, verified)


def auc(score: np.ndarray, label: np.ndarray) -> float:
    ranks = rankdata(score)
    pos = int(label.sum())
    neg = label.size - pos
    if pos == 0 or neg == 0:
        return float("nan")
    return float((ranks[label].sum() - pos * (pos + 1) / 2) / (pos * neg))


def rho(a: np.ndarray, b: np.ndarray) -> float:
    return float(spearmanr(a, b).statistic)


def noise_ceiling(per_run: np.ndarray) -> float:
    """How well the true expected spread would rank this Monte Carlo estimate of it: half the
    runs against the other half, stepped up to all of them (Spearman–Brown)."""
    half = rho(per_run[:, ::2].mean(axis=1), per_run[:, 1::2].mean(axis=1))
    return float(np.sqrt(max(0.0, 2 * half / (1 + half))))


def runs_needed(ceiling: float, runs: int, target: float, *, most: int = 20) -> int:
    """Runs for a noise ceiling of `target`, by Spearman–Brown from `runs` giving `ceiling`;
    at most `most` times `runs` (a truth without signal, ceiling 0, gets that many)."""
    have, want = ceiling**2, target**2
    if have <= 0:
        return most * runs
    per_run = have / (runs - (runs - 1) * have) if have < 1 else 1.0
    needed = math.ceil(want * (1 - per_run) / (per_run * (1 - want)))
    return min(max(runs, needed), most * runs)


def evaluate(
    kind: str, model: str, seed: int, args: argparse.Namespace, config: ScoringConfig
) -> dict:
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    g = make_graph(kind, args.nodes, rng)
    p = edge_probabilities(g, model, args.r0)
    seeds = rng.choice(g.n, size=min(args.sources, g.n), replace=False)
    sizes, gen1 = simulate(g, p, model, seeds, args.runs, rng)
    per_run, first = sizes.reshape(seeds.size, -1), gen1.reshape(seeds.size, -1)
    ceiling = noise_ceiling(per_run)
    if ceiling < TRUTH_CEILING:
        # More runs, as many as Spearman–Brown says the ceiling needs (with a little to spare).
        more = runs_needed(ceiling, per_run.shape[1], TRUTH_CEILING + 0.002) - per_run.shape[1]
        sizes, gen1 = simulate(g, p, model, seeds, more, rng)
        per_run = np.hstack([per_run, sizes.reshape(seeds.size, -1)])
        first = np.hstack([first, gen1.reshape(seeds.size, -1)])
        ceiling = noise_ceiling(per_run)
    runs = per_run.shape[1]
    sizes, gen1 = per_run.ravel(), first.ravel()
    truth = per_run.mean(axis=1)
    sim_seconds = time.perf_counter() - t0

    obs = observe(g, p, model, args, rng)
    in_counts = np.asarray(obs.observed.sum(axis=0)).ravel()
    # The production path: the tenant's graph plus each person's platform numbers.
    graph = InfluenceGraph()
    graph.add_interactions(list(range(g.n)), list(range(g.n)), np.zeros(g.n))  # every account
    seen = obs.observed.tocoo()
    graph.add_interactions(seen.row.tolist(), seen.col.tolist(), seen.data)
    sampled = np.minimum(obs.posts, args.recent_posts)
    for i in range(g.n):
        graph.set_platform_metrics(
            i,
            followers=obs.followers[i],
            posts=obs.posts[i],
            sampled_posts=sampled[i],
            likes=obs.likes_pp[i] * sampled[i],
            reposts=obs.reposts_pp[i] * sampled[i],
            replies=obs.replies_pp[i] * sampled[i],
        )
    centrality = graph.recompute()
    spread_est = graph.spread()
    pr, _ = pagerank(obs.observed)
    kz = katz(obs.observed)
    arrays = SignalArrays(
        followers=obs.followers,
        likes_per_post=obs.likes_pp,
        reposts_per_post=obs.reposts_pp,
        replies_per_post=obs.replies_pp,
        verified=obs.verified,
        observed_interactions=in_counts,
        centrality=centrality,
    )
    scored = compute_scores_batch(arrays, config)
    influence, comps = scored.influence_score, scored.components
    no_graph = compute_scores_batch(
        SignalArrays(
            followers=obs.followers,
            likes_per_post=obs.likes_pp,
            reposts_per_post=obs.reposts_pp,
            replies_per_post=obs.replies_pp,
            verified=obs.verified,
        ),
        config,
    ).influence_score
    reactions_total = (obs.likes_pp + obs.reposts_pp + obs.replies_pp) * obs.posts

    def z(x: np.ndarray) -> np.ndarray:
        lx = np.log1p(x)
        return (lx - lx.mean()) / (lx.std() or 1.0)

    klout = 0.5 * z(obs.followers) + 0.3 * z(reactions_total) + 0.2 * z(in_counts)
    s = seeds
    row = {
        "seed": seed,
        "graph": kind,
        "model": model,
        "edges": g.src.size,
        "mean_spread": float(truth.mean()),
        "max_spread": float(truth.max()),
        "sim_s": sim_seconds,
        "mc_runs": runs,
        "rho_ceiling": ceiling,
        "rho_score": rho(influence[s], truth),
        "rho_score_no_graph": rho(no_graph[s], truth),
        "rho_followers": rho(obs.followers[s], truth),
        "rho_klout": rho(klout[s], truth),
        "rho_reposts_pp": rho(obs.reposts_pp[s], truth),
        "rho_observed": rho(in_counts[s], truth),
        "rho_pagerank": rho(pr[s], truth),
        "rho_katz": rho(kz[s], truth),
        "rho_spread_est": rho(spread_est[s], truth),
        "rho_reach": rho(comps["reach"][s], truth),
        "rho_engagement": rho(comps["engagement"][s], truth),
        "rho_centrality": rho(comps["centrality"][s], truth),
    }
    # Risk: every lane is one public complaint; velocity = direct reposts seen in the first hour.
    lane_seed = np.repeat(seeds, runs)
    take = rng.choice(sizes.size, size=min(args.risk_samples, sizes.size), replace=False)
    large = sizes[take] >= max(2, np.quantile(sizes[take], 0.95))
    first_hour = rng.binomial(gen1[take], 0.5)
    at = datetime(2025, 1, 1, tzinfo=UTC)
    risk_v, risk_nv = np.empty(take.size), np.empty(take.size)
    for i, lane in enumerate(take):
        author = int(lane_seed[lane])
        facts = InteractionFacts(
            channel="twitter",
            visibility="public",
            occurred_at=at,
            sentiment=-0.8,
            author=AuthorClaims(followers=int(obs.followers[author])),
        )
        kw = {"influence_score": float(influence[author]), "config": config}
        risk_v[i] = assess_risk(facts, velocity_per_hour=float(first_hour[i]), **kw).value
        risk_nv[i] = assess_risk(facts, velocity_per_hour=None, **kw).value
    row |= {
        "large_share": float(large.mean()),
        "auc_risk": auc(risk_v, large),
        "auc_risk_no_velocity": auc(risk_nv, large),
        "auc_followers": auc(obs.followers[lane_seed[take]], large),
    }
    return row


def time_batch(customers: int, config: ScoringConfig) -> float:
    rng = np.random.default_rng(1)
    k = 3
    arrays = SignalArrays(
        followers=rng.lognormal(5, 2.5, (customers, k)),
        likes_per_post=rng.lognormal(1, 2, (customers, k)),
        reposts_per_post=rng.lognormal(-1, 2, (customers, k)),
        replies_per_post=rng.lognormal(-1, 2, (customers, k)),
        verified=rng.random(customers) < 0.01,
        value=rng.lognormal(7, 2, customers),
        tenure_days=rng.integers(0, 5000, customers).astype(float),
        tier_points=rng.random(customers),
        open_contracts=rng.integers(0, 5, customers).astype(float),
        nps=np.where(rng.random(customers) < 0.3, rng.integers(0, 11, customers), np.nan),
        observed_interactions=rng.poisson(2, customers).astype(float),
        news_mentions=rng.poisson(0.1, customers).astype(float),
        role_weight=rng.random(customers) * (rng.random(customers) < 0.1),
        centrality=rng.random(customers),
    )
    t0 = time.perf_counter()
    compute_scores_batch(arrays, config)
    return time.perf_counter() - t0


def time_risk(config: ScoringConfig, calls: int) -> tuple[float, float]:
    rng = np.random.default_rng(2)
    at = datetime(2025, 1, 1, tzinfo=UTC)
    facts = [
        InteractionFacts(
            channel=("twitter", "email", "facebook", "review")[i % 4],
            visibility="private" if i % 4 == 1 else "public",
            occurred_at=at,
            sentiment=float(rng.uniform(-1, 1)),
            urgency=float(rng.random()),
            escalation_signals=["legal_threat", "cancellation"][: i % 3],
            author=AuthorClaims(followers=int(rng.lognormal(5, 2.5))),
            engagement={"reposts": int(rng.poisson(3)), "replies": int(rng.poisson(2))},
        )
        for i in range(calls)
    ]
    timings = []
    for i, f in enumerate(facts):
        t0 = time.perf_counter_ns()
        assess_risk(f, influence_score=float(i % 100), config=config, velocity_per_hour=i % 50)
        timings.append((time.perf_counter_ns() - t0) / 1e6)
    q = statistics.quantiles(timings, n=100)
    return q[49], q[98]


def time_score(config: ScoringConfig, calls: int) -> tuple[float, float]:
    signals = CustomerSignals(
        value=48_000,
        tenure_days=2_000,
        tier="gold",
        nps=8,
        profiles={
            "twitter": {"followers": 120_000, "likes_per_post": 300, "reposts_per_post": 40},
            "linkedin": {"followers": 5_000, "headline": "Redakteurin", "company": "Der Spiegel"},
        },
        observed_mentions=5,
        centrality=0.4,
    )
    timings = []
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        compute_score(signals, config)
        timings.append((time.perf_counter_ns() - t0) / 1e6)
    q = statistics.quantiles(timings, n=100)
    return q[49], q[98]


def time_graph(nodes: int) -> dict[str, float]:
    rng = np.random.default_rng(3)
    edges = nodes * 10
    src = rng.integers(0, nodes, edges)
    dst = (rng.pareto(1.2, edges) * 10).astype(np.int64) % nodes  # skewed: a few hubs
    out = {}
    posts = rng.integers(1, 21, nodes)
    reposts = rng.poisson(posts * rng.lognormal(-1, 1, nodes))
    for method in ("spread", "pagerank"):
        graph = InfluenceGraph(method=method)
        graph.add_interactions(list(range(nodes)), list(range(nodes)), np.zeros(nodes))
        graph.add_interactions(src.tolist(), dst.tolist())
        for i in range(nodes):
            graph.set_platform_metrics(
                i,
                followers=float(i % 1000),
                sampled_posts=float(posts[i]),
                likes=float(4 * reposts[i]),
                reposts=float(reposts[i]),
            )
        t0 = time.perf_counter()
        graph.recompute()
        out[method] = time.perf_counter() - t0
        more = rng.integers(0, nodes, (edges // 100, 2))
        graph.add_interactions(more[:, 0].tolist(), more[:, 1].tolist())
        t0 = time.perf_counter()
        graph.recompute()
        out[method + "_warm"] = time.perf_counter() - t0
    return out


_LABELS = ("seed", "graph", "model")


def summarise(rows: list[dict]) -> list[dict]:
    """One row per (graph, model): the mean over seeds of every number."""
    cases: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        cases.setdefault((r["graph"], r["model"]), []).append(r)
    out = []
    for (kind, model), runs in cases.items():
        mean = {k: float(np.mean([r[k] for r in runs])) for k in runs[0] if k not in _LABELS}
        out.append({"graph": kind, "model": model, **mean, "runs": runs})
    return out


def print_robustness(cases: list[dict]) -> None:
    """ρ of the score per seed, its minimum, and its margin over follower count alone."""
    seeds = [r["seed"] for r in cases[0]["runs"]]
    print(
        f"rho_score per seed ({', '.join(map(str, seeds))}), against the target of ρ ≥ {TARGET_RHO}"
    )
    print("on every seed; margin = score − follower count alone, on the worst seed:")
    for case in cases:
        score = np.array([r["rho_score"] for r in case["runs"]])
        followers = np.array([r["rho_followers"] for r in case["runs"]])
        ceiling = min(r["rho_ceiling"] for r in case["runs"])
        verdict = "every seed ≥ target" if score.min() >= TARGET_RHO else "BELOW target"
        if ceiling < TRUTH_CEILING:
            verdict += f"; truth too noisy, ceiling {ceiling:.3f}"
        print(
            f"  {case['graph']}/{case['model']}: "
            + " ".join(f"{x:.3f}" for x in score)
            + f" | mean {score.mean():.3f} min {score.min():.3f} ({verdict})"
            + f" | followers mean {followers.mean():.3f} max {followers.max():.3f}"
            + f" | margin {(score - followers).min():+.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=50_000)
    parser.add_argument(
        "--runs",
        type=int,
        default=400,
        help=f"Monte Carlo runs per source to start with; more where the noise ceiling is below "
        f"{TRUTH_CEILING}",
    )
    parser.add_argument(
        "--sources", type=int, default=3_000, help="nodes whose spread is simulated"
    )
    parser.add_argument("--graphs", default="ba,ws")
    parser.add_argument("--models", default="ic,lt")
    parser.add_argument(
        "--r0",
        type=float,
        default=0.5,
        help="mean direct reposts per message (cost grows with spread: near 1 on ba is slow)",
    )
    parser.add_argument("--coverage", type=float, default=0.2, help="share of interactions seen")
    parser.add_argument(
        "--recent-posts", type=int, default=20, help="posts whose reactions the score sees"
    )
    parser.add_argument(
        "--reposts",
        choices=("cascade", "direct"),
        default="cascade",
        help="reposts per post as platforms count them (the whole cascade) or direct ones only",
    )
    parser.add_argument("--risk-samples", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--graph-nodes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7, help="the first random seed")
    parser.add_argument(
        "--seeds", type=int, default=3, help="random seeds (graphs, cascades, observations)"
    )
    args = parser.parse_args()
    config = ScoringConfig()
    print("settings:", " ".join(f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items()))
    started = time.perf_counter()
    rows = [
        evaluate(kind, model, seed, args, config)
        for seed in range(args.seed, args.seed + max(1, args.seeds))
        for kind in args.graphs.split(",")
        for model in args.models.split(",")
    ]
    cases = summarise(rows)
    cols = [
        ("graph", "{}"),
        ("model", "{}"),
        ("edges", "{:.0f}"),
        ("mean_spread", "{:.2f}"),
        ("max_spread", "{:.0f}"),
        ("rho_ceiling", "{:.3f}"),
        ("rho_score", "{:.3f}"),
        ("rho_score_no_graph", "{:.3f}"),
        ("rho_followers", "{:.3f}"),
        ("rho_klout", "{:.3f}"),
        ("rho_reposts_pp", "{:.3f}"),
        ("rho_observed", "{:.3f}"),
        ("rho_pagerank", "{:.3f}"),
        ("rho_katz", "{:.3f}"),
        ("rho_spread_est", "{:.3f}"),
        ("rho_reach", "{:.3f}"),
        ("rho_engagement", "{:.3f}"),
        ("rho_centrality", "{:.3f}"),
        ("large_share", "{:.3f}"),
        ("auc_risk", "{:.3f}"),
        ("auc_risk_no_velocity", "{:.3f}"),
        ("auc_followers", "{:.3f}"),
        ("mc_runs", "{:.0f}"),
        ("sim_s", "{:.1f}"),
    ]
    print()
    print("Spearman ρ of influence vs true expected spread (sampled sources); ROC AUC for top-5%")
    print("cascades. rho_score = SCS influence part; _no_graph = platform numbers only, without")
    print("the tenant's graph (no centrality, no observed counts): a customer outside the graph.")
    print(f"Every number is the mean over {len(cases[0]['runs'])} seed(s).")
    for name, fmt in cols:
        print(f"{name:>22} " + " ".join(f"{fmt.format(r[name]):>9}" for r in cases))
    print()
    print_robustness(cases)
    print()
    seconds = time_batch(args.customers, config)
    print(f"vectorised recompute of {args.customers:,} customers: {seconds:.2f} s (target ≤ 60 s)")
    p50, p99 = time_risk(config, 20_000)
    print(f"assess_risk in-process: p50 {p50:.3f} ms, p99 {p99:.3f} ms (target p99 ≤ 2 ms)")
    p50, p99 = time_score(config, 2_000)
    print(
        f"compute_score (one customer, with reasons): p50 {p50:.3f} ms, p99 {p99:.3f} ms"
        " (target p99 ≤ 2 ms)"
    )
    graph_times = time_graph(args.graph_nodes)
    print(
        f"graph recompute, {args.graph_nodes:,} nodes / {args.graph_nodes * 10:,} edges: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in graph_times.items())
    )
    print(f"total bench time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
