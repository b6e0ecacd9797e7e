"""Influence inside the graph of people the tenant sees talking to and about each other.

An edge A → B means A mentioned, replied to or reposted B: B's words travelled, so B gains.
Three measures are offered; `bench/influence.py` measures which ranks simulated spread best:

- `estimate_spread`: how many people one message reaches beyond its author. Platforms count
  every repost in a post's cascade on the original post (on X a repost of a repost is a
  repost of the original; Mastodon boosts attach to the original status), so a person's
  repost counts are samples of their whole spread, never multiplied by an onward reach. What
  predicts them before a person's own counts are seen: the first hop from likes and replies
  (`estimate_first_hop`, shrunk towards what the follower count and the observed graph
  predict) times how far the person's amplifiers carry messages (`expected_spread`). The
  default.
- `pagerank`: weighted, optionally personalised PageRank by power iteration.
- `katz`: Katz centrality on the interaction counts.

All run on scipy sparse matrices in O(iterations × edges): 100k nodes and 1M edges take well
under a second. `InfluenceGraph` keeps the edges of one tenant and warm-starts recomputation.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq, nnls

__all__ = [
    "CentralityMethod",
    "InfluenceGraph",
    "adjacency",
    "estimate_first_hop",
    "estimate_spread",
    "expected_spread",
    "katz",
    "normalise",
    "pagerank",
    "spread_centrality",
]

FloatArray = NDArray[np.float64]
CentralityMethod = Literal["spread", "pagerank", "katz"]
# A message reaching this many people beyond its author is as central as it gets.
SPREAD_SATURATION = 1_000.0
# Pseudo-reactions behind the follower-count prior: with fewer observed, the prior dominates.
PRIOR_STRENGTH = 8.0
# Pseudo-amplifications of the tenant's typical onward reach behind each person's own.
ONWARD_SHRINKAGE = 3.0
# People with reactions per follower-count band of the prior (fewer: the tenant's rate).
MIN_PRIOR_FIT = 30
MAX_PRIOR_BANDS = 20
# Pseudo-events behind each ratio of observed to expected reactions (steadies small numbers).
CIRCLE_PSEUDO_EVENTS = 5.0
# The median of a squared standard normal: the yardstick a robust noise fit matches.
_CHI2_MEDIAN = 0.454936423119572
# Bounds of the fitted repost noise (1 / gamma shape; per-repost luck is at least Poisson).
_MIN_INVERSE_SHAPE = 1e-4
_MAX_NOISE = 1e6


def adjacency(
    sources: ArrayLike, targets: ArrayLike, weights: ArrayLike | None, n: int
) -> sp.csr_matrix:
    """Sparse n×n matrix, A[s, t] = total weight of s interacting with t; no self-loops."""
    src = np.asarray(sources, dtype=np.int64)
    dst = np.asarray(targets, dtype=np.int64)
    w = np.ones(src.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    keep = (src != dst) & np.isfinite(w) & (w > 0)
    matrix = sp.csr_matrix((w[keep], (src[keep], dst[keep])), shape=(n, n))
    matrix.sum_duplicates()
    return matrix


def pagerank(
    adj: sp.csr_matrix,
    *,
    damping: float = 0.85,
    personalization: ArrayLike | None = None,
    start: ArrayLike | None = None,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> tuple[FloatArray, int]:
    """Weighted PageRank (sums to 1) and the iterations it took; dangling mass is teleported."""
    n = adj.shape[0]
    if n == 0:
        return np.zeros(0), 0
    out_weight = np.asarray(adj.sum(axis=1)).ravel()
    dangling = out_weight == 0
    inv = np.divide(1.0, out_weight, out=np.zeros(n), where=~dangling)
    transition_t = (sp.diags(inv) @ adj).T.tocsr()
    tele = _distribution(personalization, n)
    x = _distribution(start, n) if start is not None else tele.copy()
    for iteration in range(1, max_iter + 1):
        new = damping * (transition_t @ x + x[dangling].sum() * tele) + (1.0 - damping) * tele
        new /= new.sum()
        if np.abs(new - x).sum() < tol * n:
            return new, iteration
        x = new
    return x, max_iter


def katz(
    adj: sp.csr_matrix, *, alpha: float | None = None, tol: float = 1e-10, max_iter: int = 200
) -> FloatArray:
    """Katz centrality x = 1 + α Aᵀx (α defaults to 0.5 / spectral-radius bound)."""
    n = adj.shape[0]
    if n == 0:
        return np.zeros(0)
    a_t = adj.T.tocsr()
    if alpha is None:
        # max in-strength bounds the spectral radius; half of it keeps the series converging fast.
        bound = float(np.asarray(a_t.sum(axis=1)).max(initial=0.0))
        alpha = 0.5 / bound if bound > 0 else 0.0
    x = np.ones(n)
    for _ in range(max_iter):
        new = 1.0 + alpha * (a_t @ x)
        if np.abs(new - x).max() < tol * max(1.0, new.max()):
            return np.asarray(new, dtype=np.float64)
        x = new
    return x


def estimate_first_hop(
    *,
    n: int,
    followers: ArrayLike | None = None,
    sampled_posts: ArrayLike | None = None,
    likes: ArrayLike | None = None,
    reposts: ArrayLike | None = None,
    replies: ArrayLike | None = None,
    circle: sp.csr_matrix | None = None,
    posts: ArrayLike | None = None,
    prior_strength: float = PRIOR_STRENGTH,
) -> FloatArray | None:
    """Direct reactions one message of each node gets, from the reactions the platform shows.

    `likes`, `reposts` and `replies` are totals over each node's `sampled_posts` posts (NaN or 0
    posts: nothing sampled); `followers` is NaN where unknown. `reposts` are direct reposts
    only: the platforms' own repost counts cover the whole cascade and go to `estimate_spread`
    instead (without them the estimate is in replies per post). Every reaction counts as
    evidence, converted to reposts with the tenant's ratio, so likes (the most numerous) steady
    the estimate. A node's own posts are few, so the estimate is shrunk (gamma-Poisson,
    empirical Bayes) towards the rate of people with a similar follower count (people with no
    followers are a band of their own: 0 where they never get reactions). With `circle` (the
    observed graph), people the person talks with lend their evidence too, as far as the
    tenant's data shows that people in one conversation reach alike, or that people talking
    with those who pass much on get passed on more; with `posts` (each node's posts in the
    period) too, how often the tenant saw the person passed on per post counts as far as it
    predicts their reactions. None when nobody has reactions to go by.
    """
    reacted = _vector(sampled_posts, n)
    counts = [_vector(x, n) for x in (likes, reposts, replies)]
    sampled = reacted > 0
    events = np.where(sampled, counts[0] + counts[1] + counts[2], 0.0)
    if not sampled.any() or events.sum() <= 0:
        return None
    # Reactions per repost across the tenant (replies stand in where reposts are never shown).
    unit = float(counts[1][sampled].sum()) or float(counts[2][sampled].sum())
    per_repost = float(events.sum()) / unit if unit > 0 else 1.0
    exposure = np.where(sampled, reacted * per_repost, 0.0)
    prior = _audience_prior(followers, events, exposure, n)
    if circle is not None and circle.shape != (n, n):
        circle = None
    if circle is not None:
        prior = prior * _circle_factor(circle, events, prior * exposure, posts)
    k = max(prior_strength, 1e-9)
    hop: FloatArray = prior * (k + events) / (k + prior * exposure)
    if not sampled.all():
        # People without reactions to go by (often those the tenant only sees mentioned) are
        # judged by how often the tenant saw them amplified, at its ratio of observed
        # amplifications to first hop among the people with reactions; never seen, nothing.
        seen = np.zeros(n) if circle is None else np.asarray(circle.sum(axis=0)).ravel()
        per_hop = float(seen[sampled].sum()) / max(float(hop[sampled].sum()), 1e-300)
        rest = ~sampled
        if per_hop > 0:
            hop[rest] = seen[rest] / per_hop
        else:
            hop[rest] = np.where(seen[rest] > 0, prior[rest], 0.0)
    return hop


def _audience_prior(
    followers: ArrayLike | None, events: FloatArray, exposure: FloatArray, n: int
) -> FloatArray:
    """Pooled reposts per post of people in the same follower-count band (quantile bands of
    at least `MIN_PRIOR_FIT` people with reactions); where unknown, the typical person's rate
    (a median: one star must not make everyone unknown look like one)."""
    sampled = exposure > 0
    pooled = float(events.sum() / exposure.sum())
    smoothed = (events[sampled] + 1.0) / (exposure[sampled] + 1.0 / pooled)
    overall = float(np.exp(np.median(np.log(smoothed))))
    raw = np.full(n, np.nan) if followers is None else np.asarray(followers, dtype=np.float64)
    raw = np.broadcast_to(raw, (n,))
    known = np.isfinite(raw)
    audience = np.log1p(np.clip(np.where(known, raw, 0.0), 0.0, None))
    prior = np.full(n, overall)
    fit = known & (exposure > 0)
    bands = min(MAX_PRIOR_BANDS, int(fit.sum()) // MIN_PRIOR_FIT)
    if bands < 2:
        return prior
    # People nobody follows are a band of their own (what they reach, if anything, is not
    # what a small audience reaches); the others are cut at quantiles of their audience.
    followed = fit & (audience > 0)
    cuts = np.unique(np.quantile(audience[followed], np.linspace(0.0, 1.0, bands + 1)[1:-1]))
    cuts = cuts[cuts > 0] if followed.any() else np.zeros(0)
    band = np.where(audience > 0, 1 + np.searchsorted(cuts, audience, side="right"), 0)
    num = np.bincount(band[fit], weights=events[fit], minlength=cuts.size + 2)
    den = np.bincount(band[fit], weights=exposure[fit], minlength=cuts.size + 2)
    rate = np.divide(num, den, out=np.full(num.shape, overall), where=den > 0)
    prior[known] = rate[band[known]]
    return prior


def _circle_factor(
    circle: sp.csr_matrix, events: FloatArray, expected: FloatArray, posts: ArrayLike | None
) -> FloatArray:
    """How much more (or less) than expected a person is passed on, judged by what the
    tenant's graph shows: how far the people they talk with are passed on beyond expectations,
    how readily those pass others on (one's first hop is one's audience's readiness, and the
    people one talks with are a sample of that audience) and, with `posts`, how often the
    tenant saw the person passed on per post. Each counts as far as the tenant's data supports.

    The weights are the population's regression of a person's own ratio on all three, never
    below 0 (the first at most 1), so where none predicts the audience prior stands alone.
    """
    n = events.size
    linked = (circle + circle.T).tocsr()
    linked.data = np.ones_like(linked.data)
    partners = np.diff(linked.indptr)
    pseudo = CIRCLE_PSEUDO_EVENTS
    around = np.log((linked @ events + pseudo) / (linked @ expected + pseudo))
    passes_on = np.asarray(circle.sum(axis=1)).ravel()
    readiness = np.log((linked @ passes_on + 1.0) / (partners + 1.0))
    own = np.log((events + pseudo) / (expected + pseudo))
    fit = (expected > 0) & (partners > 0)
    period = _vector(posts, n)
    known = period > 0
    features = [around, readiness]
    if (fit & known).sum() >= MIN_PRIOR_FIT:
        passed_on = np.asarray(circle.sum(axis=0)).ravel()
        features.append(np.log((passed_on + 1.0) / (period + 1.0)))
        fit &= known
    if fit.sum() < MIN_PRIOR_FIT:
        return np.ones(n)
    weight = expected[fit] / (expected[fit] + pseudo)
    x = np.column_stack([f[fit] for f in features])
    centre = np.average(x, axis=0, weights=weight)
    root = np.sqrt(weight)
    slopes, _ = nnls(
        (x - centre) * root[:, None], (own[fit] - np.average(own[fit], weights=weight)) * root
    )
    # Readiness and how often one is passed on have no natural zero: centred, they only move
    # people relative to each other (people whose posts are unknown sit at the middle).
    log_factor = min(float(slopes[0]), 1.0) * around + float(slopes[1]) * (readiness - centre[1])
    if len(features) > 2:
        log_factor += float(slopes[2]) * np.where(known, features[2] - centre[2], 0.0)
    factor: FloatArray = np.exp(log_factor)
    return factor


def expected_spread(
    adj: sp.csr_matrix,
    *,
    first_hop: ArrayLike | None = None,
    exposure: ArrayLike | None = None,
    shrinkage: float = ONWARD_SHRINKAGE,
    hops: int = 3,
) -> FloatArray:
    """Estimated people one message of each node reaches beyond its author (≥ 0).

    `adj[i, j]` counts how often i passed on j's message. `first_hop` is how many pass one
    message on directly (see `estimate_first_hop`); without it, what the tenant saw per post in
    `exposure` (messages each node posted). Each of those goes on to reach as many as the
    node's own amplifiers typically reach (weighted by how often each amplified it), shrunk
    towards the tenant's typical person when few amplifiers were seen: spread = hop · (1 + onward),
    repeated `hops` times. The tenant sees only a share of who passes on what, so the observed
    graph says who tends to carry a message further, not how many.
    """
    n = adj.shape[0]
    if n == 0:
        return np.zeros(0)
    carried_by = adj.T.tocsr()  # carried_by[j, i]: how often i passed on j's message
    seen = np.asarray(carried_by.sum(axis=1)).ravel()
    if first_hop is None:
        posts = _vector(exposure, n)
        hop = seen / np.where(posts > 0, posts, 1.0)
    else:
        hop = _vector(first_hop, n)
    spread = hop.copy()
    k = max(shrinkage, 1e-9)
    for _ in range(max(0, hops)):
        # The typical person's spread backs up few amplifiers (a median: stars would inflate it).
        onward = (carried_by @ spread + k * float(np.median(spread))) / (seen + k)
        spread = hop * (1.0 + onward)
    return spread


def estimate_spread(
    adj: sp.csr_matrix,
    *,
    followers: ArrayLike | None = None,
    posts: ArrayLike | None = None,
    sampled_posts: ArrayLike | None = None,
    likes: ArrayLike | None = None,
    reposts: ArrayLike | None = None,
    replies: ArrayLike | None = None,
    prior_strength: float = PRIOR_STRENGTH,
    shrinkage: float = ONWARD_SHRINKAGE,
    hops: int = 3,
) -> FloatArray:
    """Estimated people one message of each node reaches beyond its author (≥ 0).

    `reposts` are the platform's repost counts totalled over `sampled_posts` posts (NaN where
    not shown): every repost in a post's cascade, whoever the reposter saw it from, so a sample
    of the spread itself. They are shrunk (gamma-Poisson, empirical Bayes) towards a
    prediction: the first hop from likes and replies (`estimate_first_hop`, itself shrunk
    towards people with a similar follower count and the observed graph) times 1 + how far
    the person's amplifiers carry messages (as in `expected_spread`), put on the repost scale
    by the tenant's people with reposts shown. How much a person's own counts move them is
    learnt from the tenant (`_repost_noise`): the more likes and replies their first hop rests
    on, and the better the prediction fits the tenant, the less; a post's reposts come in
    cascades, so its count is luckier than a Poisson one, and the fewer posts it sums, the
    more one lucky cascade weighs. People with few or no posts seen are judged mostly or only
    by the prediction. Without likes or replies, how often the
    tenant saw a person passed on per post stands in for the first hop; without any repost
    counts, the estimate is `expected_spread`'s.
    """
    n = adj.shape[0]
    if n == 0:
        return np.zeros(0)
    carried_by = adj.T.tocsr()  # carried_by[j, i]: how often i passed on j's message
    seen = np.asarray(carried_by.sum(axis=1)).ravel()
    period = _vector(posts, n)
    hop = estimate_first_hop(
        n=n,
        followers=followers,
        sampled_posts=sampled_posts,
        likes=likes,
        replies=replies,
        circle=adj,
        posts=posts,
        prior_strength=prior_strength,
    )
    if hop is None:
        hop = seen / np.where(period > 0, period, 1.0)
    exposure = _vector(sampled_posts, n)
    # The first hop rests on this many likes and replies (and pseudo-reactions): its relative
    # variance is about one over that.
    reactions = np.where(exposure > 0, _vector(likes, n) + _vector(replies, n), 0.0)
    hop_noise = 1.0 / (max(prior_strength, 1e-9) + reactions)
    shown = np.broadcast_to(
        np.asarray(np.nan if reposts is None else reposts, dtype=np.float64), (n,)
    )
    counted = (exposure > 0) & np.isfinite(shown)
    total = np.where(counted, np.clip(shown, 0.0, None), 0.0)
    calibrate = counted.any() and total.sum() > 0

    def on_repost_scale(predicted: FloatArray) -> FloatArray:
        if not calibrate:
            return predicted
        expected = float((predicted * exposure)[counted].sum())
        return predicted * (float(total.sum()) / expected if expected > 0 else 1.0)

    spread = on_repost_scale(hop.copy())
    k = max(shrinkage, 1e-9)
    for _ in range(max(1, hops)):
        # The typical person's spread backs up few amplifiers (a median: stars would inflate it).
        onward = (carried_by @ spread + k * float(np.median(spread))) / (seen + k)
        predicted = on_repost_scale(hop * (1.0 + onward))
        if not calibrate:
            # No repost counts anywhere (a platform that does not show them): nothing to weigh.
            spread = predicted
            continue
        mean = predicted * exposure
        inverse_shape, luck, cascade_luck = _repost_noise(
            total[counted], mean[counted], hop_noise[counted], exposure[counted], prior_strength
        )
        # The prediction is as sure as the first hop it rests on and the tenant's fit of it.
        strength = 1.0 / (hop_noise + inverse_shape)
        # Each counted repost is worth less than a Poisson one: by the tenant's luck per repost,
        # and by a post's cascade luck, which weighs more the fewer posts the count sums.
        dispersion = luck + cascade_luck * predicted
        own = predicted * (strength + total / dispersion) / (strength + mean / dispersion)
        spread = np.where(counted, own, predicted)
    return spread


def _repost_noise(
    total: FloatArray,
    mean: FloatArray,
    hop_noise: FloatArray,
    posts: FloatArray,
    fallback: float,
) -> tuple[float, float, float]:
    """How noisy people's repost counts are around their predictions, from the tenant's counts:
    a count over `posts` posts with expected `mean` varies by

        Var(count) = luck · mean + mean² · (hop_noise + 1/shape + cascade_luck / posts)

    luck per repost (a Poisson count has 1), how far people's spread really differs from what
    their first hop and amplifiers predict (1/shape, beside the first hop's own uncertainty)
    and a post's cascade luck (a post's reposts come in cascades: one that went far moves the
    average of a few posts a lot, of many posts little). Returns (1/shape, luck, cascade luck).

    Each term is fitted where it dominates (small expected counts: luck; large ones from many
    posts: 1/shape; from few posts: cascade luck) so that the median squared standardised
    residual is that of a normal variable: robust, so a few viral cascades cannot make every
    count look worthless, as they would in a mean of squares. Too few people to tell a term:
    `fallback` pseudo-reposts of prediction, Poisson counts, no cascade luck.
    """
    fit = mean > 0
    if fit.sum() < MIN_PRIOR_FIT:
        return 1.0 / max(fallback, 1e-9), 1.0, 0.0
    t, m, h = total[fit], mean[fit], hop_noise[fit]
    k = np.maximum(posts[fit], 1.0)
    squared = (t - m) ** 2
    small = m <= np.median(m)
    large = ~small
    many = large & (k >= np.median(k[large])) if large.any() else large
    few = large & ~many
    inverse_shape, luck, cascade = 1.0 / max(fallback, 1e-9), 1.0, 0.0
    for _ in range(20):
        before = (inverse_shape, luck, cascade)
        # Each term's variance is linear in it: fixed + value · scale.
        luck = _median_fit(
            squared[small],
            m[small] ** 2 * (h[small] + inverse_shape + cascade / k[small]),
            m[small],
            low=1.0,
            unknown=1.0,
        )
        inverse_shape = _median_fit(
            squared[many],
            luck * m[many] + m[many] ** 2 * (h[many] + cascade / k[many]),
            m[many] ** 2,
            low=_MIN_INVERSE_SHAPE,
            unknown=1.0 / max(fallback, 1e-9),
        )
        cascade = _median_fit(
            squared[few],
            luck * m[few] + m[few] ** 2 * (h[few] + inverse_shape),
            m[few] ** 2 / k[few],
            low=0.0,
            unknown=0.0,
        )
        if np.allclose(before, (inverse_shape, luck, cascade), rtol=1e-2, atol=1e-4):
            break
    return inverse_shape, luck, cascade


def _median_fit(
    squared: FloatArray, fixed: FloatArray, scale: FloatArray, *, low: float, unknown: float
) -> float:
    """The smallest value (≥ `low`) at which squared residuals over `fixed + value · scale`
    have the median of a squared standard normal; `unknown` where too few people tell."""
    if squared.size < MIN_PRIOR_FIT:
        return unknown

    def excess(value: float) -> float:
        return float(np.median(squared / np.maximum(fixed + value * scale, 1e-300))) - _CHI2_MEDIAN

    if excess(low) <= 0.0:
        return low
    if excess(_MAX_NOISE) >= 0.0:
        return _MAX_NOISE
    # The median falls as the value grows; search on a log scale, it spans decades.
    # A log scale cannot start at 0: such a `low` is raised to a floor, checked once (any other
    # `low` is the floor, already found too small above).
    floor = max(low, _MIN_INVERSE_SHAPE)
    if floor > low and excess(floor) <= 0.0:
        return floor
    root = brentq(lambda x: excess(float(np.exp(x))), np.log(floor), np.log(_MAX_NOISE), xtol=1e-3)
    return float(np.exp(root))


def spread_centrality(spread: ArrayLike, *, saturation: float = SPREAD_SATURATION) -> FloatArray:
    """0–1 on an absolute log scale: 0 reaches nobody, `saturation` people or more is 1.

    Absolute rather than relative to the tenant's top person, so a tenant that sees three people
    does not hand one of them the maximum.
    """
    x = np.asarray(spread, dtype=np.float64)
    x = np.clip(np.nan_to_num(x, nan=0.0, posinf=saturation), 0.0, None)
    out: FloatArray = np.clip(np.log1p(x) / np.log1p(saturation), 0.0, 1.0)
    return out


def normalise(scores: ArrayLike, *, baseline: float | None = None) -> FloatArray:
    """0–1 on a log scale: the baseline (default: the minimum) is 0, the maximum is 1."""
    x = np.asarray(scores, dtype=np.float64)
    if x.size == 0:
        return x
    x = np.where(np.isfinite(x), x, 0.0)
    low = float(x.min()) if baseline is None else baseline
    low = max(low, 1e-300)
    top = float(x.max())
    if top <= low:
        return np.zeros_like(x)
    out: FloatArray = np.clip(np.log(np.maximum(x, low) / low) / np.log(top / low), 0.0, 1.0)
    return out


def _vector(v: ArrayLike | None, n: int) -> FloatArray:
    """Length-n, finite and non-negative (missing values are 0)."""
    if v is None:
        return np.zeros(n)
    arr = np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))
    return np.clip(np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0), 0.0, None)


def _distribution(v: ArrayLike | None, n: int) -> FloatArray:
    if v is None:
        return np.full(n, 1.0 / n)
    arr = np.clip(np.nan_to_num(np.asarray(v, dtype=np.float64), nan=0.0, posinf=0.0), 0, None)
    total = arr.sum()
    return arr / total if total > 0 else np.full(n, 1.0 / n)


_METRICS = ("followers", "posts", "sampled_posts", "likes", "reposts", "replies")


class InfluenceGraph:
    """One tenant's interaction graph with a 0–1 centrality per person.

    Edges accumulate as they are seen; `recompute()` is the scheduled full recompute (seconds
    for 100k people). PageRank warm-starts from the last result, which after a small batch of
    new edges converges in a handful of iterations.
    """

    def __init__(
        self,
        *,
        method: CentralityMethod = "spread",
        damping: float = 0.85,
        hops: int = 3,
    ) -> None:
        self.method: CentralityMethod = method
        self.damping = damping
        self.hops = hops
        self._ids: dict[Hashable, int] = {}
        self._src: list[NDArray[np.int64]] = []
        self._dst: list[NDArray[np.int64]] = []
        self._w: list[FloatArray] = []
        self._metrics: dict[str, dict[int, float]] = {name: {} for name in _METRICS}
        self._adj: sp.csr_matrix | None = None
        self._raw: FloatArray = np.zeros(0)
        self._centrality: FloatArray = np.zeros(0)

    def __len__(self) -> int:
        return len(self._ids)

    def node(self, key: Hashable) -> int:
        """The dense index of a person, added if new."""
        index = self._ids.get(key)
        if index is None:
            index = self._ids[key] = len(self._ids)
        return index

    def add_interaction(self, source: Hashable, target: Hashable, weight: float = 1.0) -> None:
        """`source` mentioned, replied to or reposted `target`."""
        self.add_interactions([source], [target], [weight])

    def add_interactions(
        self,
        sources: list[Hashable],
        targets: list[Hashable],
        weights: ArrayLike | None = None,
    ) -> None:
        """Many interactions at once (keys are any hashable ids)."""
        src = np.fromiter((self.node(s) for s in sources), dtype=np.int64, count=len(sources))
        dst = np.fromiter((self.node(t) for t in targets), dtype=np.int64, count=len(targets))
        w = np.ones(len(src)) if weights is None else np.asarray(weights, dtype=np.float64)
        self._src.append(src)
        self._dst.append(dst)
        self._w.append(w)

    def set_platform_metrics(
        self,
        key: Hashable,
        *,
        followers: float | None = None,
        posts: float | None = None,
        sampled_posts: float | None = None,
        likes: float | None = None,
        reposts: float | None = None,
        replies: float | None = None,
    ) -> None:
        """What the platform shows for a person (all optional; used by the `spread` method):
        followers, posts seen in the period, and likes/reposts/replies totalled over
        `sampled_posts` of their posts."""
        index = self.node(key)
        given = {
            "followers": followers,
            "posts": posts,
            "sampled_posts": sampled_posts,
            "likes": likes,
            "reposts": reposts,
            "replies": replies,
        }
        for name, value in given.items():
            if value is not None:
                self._metrics[name][index] = float(value)

    def _metric(self, name: str, n: int) -> FloatArray:
        out = np.full(n, np.nan)
        values = self._metrics[name]
        if values:
            out[np.fromiter(values.keys(), dtype=np.int64)] = np.fromiter(
                values.values(), dtype=np.float64
            )
        return out

    def recompute(self) -> FloatArray:
        """Recompute every person's centrality (0–1, indexed like `node`)."""
        n = len(self._ids)
        if self._src:
            edges = adjacency(
                np.concatenate(self._src), np.concatenate(self._dst), np.concatenate(self._w), n
            )
            if self._adj is not None and self._adj.shape[0] < n:
                self._adj.resize((n, n))
            self._adj = edges if self._adj is None else (self._adj + edges).tocsr()
            self._src, self._dst, self._w = [], [], []
        if self._adj is None or n == 0:
            self._centrality = np.zeros(n)
            return self._centrality
        if self._adj.shape[0] < n:
            self._adj.resize((n, n))
        if self.method == "pagerank":
            start = None
            if self._raw.size:
                start = np.concatenate([self._raw, np.full(n - self._raw.size, 1.0 / n)])
            self._raw, _ = pagerank(self._adj, damping=self.damping, start=start)
            self._centrality = normalise(self._raw)
        elif self.method == "katz":
            self._raw = katz(self._adj)
            self._centrality = normalise(self._raw, baseline=1.0)
        else:
            self._raw = estimate_spread(
                self._adj,
                followers=self._metric("followers", n),
                posts=self._metric("posts", n),
                sampled_posts=self._metric("sampled_posts", n),
                likes=self._metric("likes", n),
                reposts=self._metric("reposts", n),
                replies=self._metric("replies", n),
                hops=self.hops,
            )
            self._centrality = spread_centrality(self._raw)
        return self._centrality

    def spread(self) -> FloatArray:
        """The last raw measure, indexed like `node` (people reached beyond the author for
        the `spread` method)."""
        return self._raw

    def centrality(self, key: Hashable) -> float | None:
        """The last computed centrality of a person, or None if unknown or not yet computed."""
        index = self._ids.get(key)
        if index is None or index >= self._centrality.size:
            return None
        return float(self._centrality[index])
