"""Influence inside the graph of people the tenant sees talking to and about each other.

An edge A → B means A mentioned, replied to or reposted B: B's words travelled, so B gains.
Three measures are offered; `bench/influence.py` measures which ranks simulated spread best:

- `expected_spread`: truncated path sum 1 + T·1 + T²·1 + … with T the estimated per-message
  transmission probabilities; for a sub-critical independent cascade this is the first-order
  (upper-bound) estimate of how many people one message reaches. The default.
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

__all__ = [
    "CentralityMethod",
    "InfluenceGraph",
    "adjacency",
    "expected_spread",
    "katz",
    "normalise",
    "pagerank",
]

FloatArray = NDArray[np.float64]
CentralityMethod = Literal["spread", "pagerank", "katz"]


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


def expected_spread(
    adj: sp.csr_matrix,
    *,
    first_hop: ArrayLike | None = None,
    exposure: ArrayLike | None = None,
    scale: float = 1.0,
    hops: int = 4,
) -> FloatArray:
    """Estimated people reached by one message of each node (≥ 1), truncated after `hops`.

    `adj[i, j]` counts how often i passed on j's message. Two ways to get the per-message
    transmission T[j, i] (chance that one message of j reaches i directly):

    - with `first_hop` (the platform's direct reposts/replies per post of each node): T[j, ·]
      spreads `first_hop[j]` over j's observed amplifiers in proportion to their counts. Nodes
      nobody was seen amplifying pass to an average amplifier. The platform's numbers fix how
      many, the tenant's partial view only says who, so partial coverage does not bias it;
    - else `count / exposure[j]` (messages j posted in the period), times `scale` for the
      share of interactions the tenant sees.
    """
    n = adj.shape[0]
    if n == 0:
        return np.zeros(0)
    coo = adj.tocoo()
    exp_arr = np.ones(n) if exposure is None else np.asarray(exposure, dtype=np.float64)
    exp_arr = np.where(np.isfinite(exp_arr) & (exp_arr > 0), exp_arr, 1.0)
    if first_hop is not None:
        in_weight = np.bincount(coo.col, weights=coo.data, minlength=n)
        hop = np.asarray(first_hop, dtype=np.float64)
        # Unknown platform numbers (NaN): fall back to the observed counts per message.
        hop = np.where(np.isnan(hop), scale * in_weight / exp_arr, hop)
        hop = np.clip(np.nan_to_num(hop, posinf=0.0), 0.0, None)
        share = coo.data / np.maximum(in_weight[coo.col], 1e-300)
        prob = hop[coo.col] * share
        unseen = np.where(in_weight > 0, 0.0, hop)
        amplifier_weight = np.bincount(coo.row, weights=coo.data, minlength=n).astype(np.float64)
        amplifier_weight /= max(float(amplifier_weight.sum()), 1e-300)
    else:
        prob = -np.expm1(-scale * coo.data / exp_arr[coo.col])
        unseen = np.zeros(n)
        amplifier_weight = np.zeros(n)
    transmission = sp.csr_matrix((prob, (coo.col, coo.row)), shape=(n, n))
    spread = np.ones(n)
    for _ in range(max(0, hops)):
        spread = 1.0 + transmission @ spread + unseen * float(amplifier_weight @ spread)
    return spread


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


def _distribution(v: ArrayLike | None, n: int) -> FloatArray:
    if v is None:
        return np.full(n, 1.0 / n)
    arr = np.clip(np.nan_to_num(np.asarray(v, dtype=np.float64), nan=0.0, posinf=0.0), 0, None)
    total = arr.sum()
    return arr / total if total > 0 else np.full(n, 1.0 / n)


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
        hops: int = 4,
        scale: float = 1.0,
    ) -> None:
        self.method: CentralityMethod = method
        self.damping = damping
        self.hops = hops
        self.scale = scale
        self._ids: dict[Hashable, int] = {}
        self._src: list[NDArray[np.int64]] = []
        self._dst: list[NDArray[np.int64]] = []
        self._w: list[FloatArray] = []
        self._exposure: dict[int, float] = {}
        self._first_hop: dict[int, float] = {}
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
        posts: float | None = None,
        direct_amplifications_per_post: float | None = None,
    ) -> None:
        """What the platform shows for a person: posts in the observed period, and direct
        reposts + replies per post (both optional; used by the `spread` method)."""
        index = self.node(key)
        if posts is not None:
            self._exposure[index] = float(posts)
        if direct_amplifications_per_post is not None:
            self._first_hop[index] = float(direct_amplifications_per_post)

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
            exposure = np.ones(n)
            for index, posts in self._exposure.items():
                exposure[index] = posts
            first_hop = None
            if self._first_hop:
                first_hop = np.full(n, np.nan)
                for index, hop in self._first_hop.items():
                    first_hop[index] = hop
            self._raw = expected_spread(
                self._adj, first_hop=first_hop, exposure=exposure, scale=self.scale, hops=self.hops
            )
            self._centrality = normalise(self._raw, baseline=1.0)
        return self._centrality

    def centrality(self, key: Hashable) -> float | None:
        """The last computed centrality of a person, or None if unknown or not yet computed."""
        index = self._ids.get(key)
        if index is None or index >= self._centrality.size:
            return None
        return float(self._centrality[index])
