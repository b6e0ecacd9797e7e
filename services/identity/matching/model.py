"""Fellegi–Sunter match model: unsupervised fit, term-frequency and household-aware scoring.

Scores are log2 Bayes factors ("bits"). A pair's match weight is the prior log-odds plus one
weight per compared field; the probability is 1 / (1 + 2^-weight).

Household pattern: when a pair shares the landline, or the address and (about) the family name,
that agreement is what every household member has in common, so it cannot tell the customer
from their spouse, child or twin. Such pairs are scored with a separate prior (the estimated
share of true matches among household-agreeing pairs) and the shared fields (address, place,
landline) carry no weight; every other field is weighed against how household members differ
(h-probabilities from household pairs in the master), so a disagreeing given name or birth date
is evidence against the match, and an agreeing family name is no evidence for it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .blocking import blocking_keys
from .comparisons import COMPARISONS, Comparison
from .standardise import StandardRecord

__all__ = [
    "DEFAULT_THRESHOLDS",
    "DETERMINISTIC_FIELDS",
    "FORMAT",
    "CandidateScore",
    "FieldEvidence",
    "MatchModel",
    "Thresholds",
    "decide",
    "fit",
]

FORMAT = "resonance.identity.fellegi-sunter/1"
DETERMINISTIC_FIELDS: tuple[str, ...] = ("customer_number", "email", "phone", "handle")
M_FLOOR = 0.002
MIN_HOUSEHOLD_PAIRS = 50
HOUSEHOLD = "household"
HOUSEHOLD_LABEL = "shares_surname_and_address_or_landline"
SHARED_SUFFIX = " (shared by household)"

_INDEX = {c.name: i for i, c in enumerate(COMPARISONS)}
_GIVEN, _FAMILY, _DOB = _INDEX["given_name"], _INDEX["family_name"], _INDEX["birth_date"]
_ADDRESS, _PHONE = _INDEX["address"], _INDEX["phone"]
_SHARED = tuple(i for i, c in enumerate(COMPARISONS) if c.household_shared)
_NOT_SHARED = tuple(i for i, c in enumerate(COMPARISONS) if not c.household_shared)
_CLEARLY_DIFFERENT_GIVEN = frozenset({len(COMPARISONS[_GIVEN].labels) - 1})
_DOB_NOT_SHARED = frozenset({0, len(COMPARISONS[_DOB].labels) - 1})
TWIN_SHARE = 0.02  # of household-member pairs with the same birth date (twins, approx.)
_HOUSEHOLD_FAMILY_LEVELS = frozenset({1, 2, 3, 4, 5, 6})  # exact down to phonetic
_TF_LEVELS = tuple(
    frozenset(c.tf_levels) for c in COMPARISONS
)  # weighed against household members, not random people


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Per-tenant decision thresholds on the match probability."""

    match: float = 0.95
    review: float = 0.6

    def __post_init__(self) -> None:
        if not 0.0 <= self.review <= self.match <= 1.0:
            raise ValueError("thresholds need 0 <= review <= match <= 1")


DEFAULT_THRESHOLDS = Thresholds()


def decide(probability: float, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """ "match", "review" or "no_match" for a match probability."""
    if probability >= thresholds.match:
        return "match"
    if probability >= thresholds.review:
        return "review"
    return "no_match"


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """One line of an explanation: the field, its comparison level, and its weight in bits."""

    field: str
    level: str
    weight: float


@dataclass(frozen=True, slots=True)
class CandidateScore:
    """Score of one candidate: probability, match weight (bits) and per-field explanation."""

    record_id: str | None
    probability: float
    match_weight: float
    evidence: tuple[FieldEvidence, ...]
    rule: str | None = None


def _probability(weight: float) -> float:
    if weight >= 60:
        return 1.0
    if weight <= -60:
        return 0.0
    return 1.0 / (1.0 + 2.0 ** (-weight))


def _logit2(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))


@dataclass
class MatchModel:
    """Fitted parameters plus precomputed weight tables for the online path."""

    m: dict[str, list[float]]
    u: dict[str, list[float]]
    h: dict[str, list[float]]
    match_rate: float  # share of incoming fragments that are some customer in the master
    household_prior: float  # share of true matches among household-agreeing pairs
    tf: dict[str, dict[str, Any]]
    master_size: int
    tenant_id: str | None = None
    fitted_at: str | None = None
    training: dict[str, Any] = field(default_factory=dict)
    version: str = ""

    def __post_init__(self) -> None:
        for comparison in COMPARISONS:
            size = len(comparison.labels)
            for table in (self.m, self.u):
                if len(table.get(comparison.name, ())) != size:
                    raise ValueError(f"model has no {size} levels for {comparison.name}")
        if not self.version:
            self.version = self._fingerprint()
        self._prepare()

    # --- weights ----------------------------------------------------------------------------

    def _prepare(self) -> None:
        # At most one customer is the person: prior odds for one candidate out of the master.
        rate = min(max(self.match_rate, 1e-6), 0.99)
        self.prior_weight = math.log2(rate / self.master_size / (1 - rate))
        self.household_weight = _logit2(self.household_prior) - self.prior_weight
        self._weights: list[list[float]] = []
        self._household_weights: list[list[float]] = []
        self._tf_values: list[dict[str, float] | None] = []
        self._tf_default: list[float] = []
        self._tf_u: list[float] = []
        for comparison in COMPARISONS:
            m, u = self.m[comparison.name], self.u[comparison.name]
            weights = [0.0] + [math.log2(m[k] / u[k]) for k in range(1, len(m))]
            self._weights.append(weights)
            h = self.h.get(comparison.name)
            if h is not None:
                self._household_weights.append(
                    [0.0] + [math.log2(m[k] / h[k]) for k in range(1, len(m))]
                )
            else:
                self._household_weights.append(weights)
            table = self.tf.get(comparison.name)
            if table and comparison.tf_levels:
                self._tf_values.append(table["values"])
                self._tf_default.append(table["default"])
                self._tf_u.append(sum(u[k] for k in comparison.tf_levels))
            else:
                self._tf_values.append(None)
                self._tf_default.append(0.0)
                self._tf_u.append(0.0)

    def tf_adjustment(self, index: int, record: StandardRecord) -> float:
        """Bits added to an agreeing level for the agreed value: rare values count more."""
        values = self._tf_values[index]
        comparison = COMPARISONS[index]
        if values is None or comparison.tf_value is None:
            return 0.0
        value = comparison.tf_value(record)
        if value is None:
            return 0.0
        frequency = values.get(value, self._tf_default[index])
        return math.log2(self._tf_u[index] / frequency)

    @staticmethod
    def is_household_pattern(levels: Sequence[int], a: StandardRecord, b: StandardRecord) -> bool:
        """Same landline, or same address and (about) the same family name."""
        if levels[_PHONE] == 1 and not a.phone_is_mobile and not b.phone_is_mobile:
            return True
        return levels[_ADDRESS] == 1 and levels[_FAMILY] in _HOUSEHOLD_FAMILY_LEVELS

    def tf_adjustments(self, incoming: StandardRecord) -> list[float]:
        """Per-field TF bits for the incoming record's values (computed once per query)."""
        return [self.tf_adjustment(i, incoming) for i in range(len(COMPARISONS))]

    def weight_of_levels(
        self,
        levels: Sequence[int],
        incoming: StandardRecord,
        candidate: StandardRecord,
        tf_bits: Sequence[float] | None = None,
    ) -> float:
        """Match weight (bits) of a comparison vector; the online hot path."""
        if self.is_household_pattern(levels, incoming, candidate):
            total = self.prior_weight + self.household_weight
            hw = self._household_weights
            for i in _NOT_SHARED:
                level = levels[i]
                if level:
                    total += hw[i][level]
            return total
        if tf_bits is None:
            tf_bits = self.tf_adjustments(incoming)
        total = self.prior_weight
        weights = self._weights
        tf_levels = _TF_LEVELS
        for i, level in enumerate(levels):
            if level:
                total += weights[i][level]
                if level in tf_levels[i]:
                    total += tf_bits[i]
        return total

    def explain(
        self, levels: Sequence[int], incoming: StandardRecord, candidate: StandardRecord
    ) -> tuple[FieldEvidence, ...]:
        """Per-field evidence; the weights plus the prior sum to the match weight."""
        evidence = [FieldEvidence("prior", "match_prior", round(self.prior_weight, 3))]
        household = self.is_household_pattern(levels, incoming, candidate)
        if household:
            evidence.append(
                FieldEvidence(HOUSEHOLD, HOUSEHOLD_LABEL, round(self.household_weight, 3))
            )
        for i, comparison in enumerate(COMPARISONS):
            level = levels[i]
            if not level:
                continue
            label = comparison.labels[level]
            if household and comparison.household_shared:
                evidence.append(FieldEvidence(comparison.name, label + SHARED_SUFFIX, 0.0))
                continue
            if household:
                weight = self._household_weights[i][level]
            else:
                weight = self._weights[i][level]
                if level in comparison.tf_levels:
                    weight += self.tf_adjustment(i, incoming)
            evidence.append(FieldEvidence(comparison.name, label, round(weight, 3)))
        return tuple(evidence)

    def score(self, incoming: StandardRecord, candidate: StandardRecord) -> CandidateScore:
        """Score one pair, deterministic rules first."""
        rule = deterministic_rule(incoming, candidate)
        if rule is not None:
            evidence = (FieldEvidence(rule, "verified_exact", math.inf),)
            return CandidateScore(candidate.record_id, 1.0, math.inf, evidence, rule)
        levels = [c.compare(incoming, candidate) for c in COMPARISONS]
        weight = self.weight_of_levels(levels, incoming, candidate)
        return CandidateScore(
            candidate.record_id,
            _probability(weight),
            weight,
            self.explain(levels, incoming, candidate),
        )

    # --- serialisation ------------------------------------------------------------------------

    def _parameters(self) -> dict[str, Any]:
        return {
            "comparisons": {
                c.name: {
                    "labels": list(c.labels),
                    "m": self.m[c.name],
                    "u": self.u[c.name],
                    "h": self.h.get(c.name),
                }
                for c in COMPARISONS
            },
            "match_rate": self.match_rate,
            "household_prior": self.household_prior,
            "master_size": self.master_size,
            "tf": self.tf,
        }

    def _fingerprint(self) -> str:
        blob = json.dumps(self._parameters(), sort_keys=True, separators=(",", ":"))
        return "fs1-" + hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; `version` identifies the parameters and goes into every decision."""
        return {
            "format": FORMAT,
            "version": self.version,
            "tenant_id": self.tenant_id,
            "fitted_at": self.fitted_at,
            "training": self.training,
            **self._parameters(),
        }

    def to_json(self) -> str:
        """Serialise to JSON."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MatchModel:
        """Load a model; refuses other formats and level sets the code does not know."""
        if data.get("format") != FORMAT:
            raise ValueError(f"unsupported model format {data.get('format')!r}")
        comparisons = data["comparisons"]
        for c in COMPARISONS:
            if comparisons.get(c.name, {}).get("labels") != list(c.labels):
                raise ValueError(f"model levels for {c.name} differ from this code's levels")
        model = cls(
            m={name: list(v["m"]) for name, v in comparisons.items()},
            u={name: list(v["u"]) for name, v in comparisons.items()},
            h={name: list(v["h"]) for name, v in comparisons.items() if v.get("h")},
            match_rate=float(data["match_rate"]),
            household_prior=float(data["household_prior"]),
            tf=data["tf"],
            master_size=int(data["master_size"]),
            tenant_id=data.get("tenant_id"),
            fitted_at=data.get("fitted_at"),
            training=data.get("training", {}),
            version=data["version"],
        )
        if model._fingerprint() != model.version:
            raise ValueError("model parameters do not match their version fingerprint")
        return model

    @classmethod
    def from_json(cls, text: str) -> MatchModel:
        """Deserialise from JSON."""
        return cls.from_dict(json.loads(text))


def deterministic_rule(incoming: StandardRecord, candidate: StandardRecord) -> str | None:
    """`verified_<field>` when both sides hold the same verified identifier."""
    if not incoming.verified or not candidate.verified:
        return None
    for name in DETERMINISTIC_FIELDS:
        if name in incoming.verified and name in candidate.verified:
            value = getattr(incoming, name)
            if value and value == getattr(candidate, name):
                return f"verified_{name}"
    return None


# =============================================================================================
# Fitting


def _default_m(comparison: Comparison) -> list[float]:
    size = len(comparison.labels)
    middle = size - 3
    rest = 0.15 / middle if middle else 0.0
    return [0.0, 0.8 if middle else 0.95, *([rest] * middle), 0.05]


def _term_frequencies(master: Sequence[StandardRecord], top_k: int) -> dict[str, dict[str, Any]]:
    tables: dict[str, dict[str, Any]] = {}
    for comparison in COMPARISONS:
        if comparison.tf_value is None:
            continue
        counts = Counter(v for r in master if (v := comparison.tf_value(r)))
        total = sum(counts.values())
        if not total:
            continue
        common = counts.most_common(top_k)
        kept = sum(c for _, c in common)
        rest_distinct = len(counts) - len(common)
        smallest = common[-1][1] / total
        default = ((total - kept) / rest_distinct / total) if rest_distinct else 1 / total
        tables[comparison.name] = {
            "values": {v: c / total for v, c in common},
            "default": min(default, smallest),
        }
    return tables


def _levels(
    pairs: Sequence[tuple[int, int]],
    left: Sequence[StandardRecord],
    right: Sequence[StandardRecord],
) -> np.ndarray:
    out = np.zeros((len(pairs), len(COMPARISONS)), dtype=np.int8)
    comparators = [c.compare for c in COMPARISONS]
    for row, (i, j) in enumerate(pairs):
        a, b = left[i], right[j]
        out[row] = [f(a, b) for f in comparators]
    return out


def _exact_u(comparison: Comparison, master: Sequence[StandardRecord]) -> float | None:
    """P(two different master records agree exactly), from value counts instead of sampling.

    Counted inside the master (not incoming vs master) so that true matches do not inflate it:
    an incoming email equal to a master email is mostly the same person, two master rows with
    the same email are mostly not (apart from the master's own duplicates).
    """
    counts = Counter(v for r in master if (v := comparison.exact_value(r)) is not None)
    n = sum(counts.values())
    if n < 2:
        return None
    agree = sum(c * (c - 1) for c in counts.values())
    return max(agree, 0.5) / (n * (n - 1))


def _estimate_u(
    left: Sequence[StandardRecord],
    right: Sequence[StandardRecord],
    *,
    samples: int,
    rng: np.random.Generator,
) -> dict[str, list[float]]:
    i = rng.integers(0, len(left), samples)
    j = rng.integers(0, len(right), samples)
    pairs = [
        (a, b) for a, b in zip(i.tolist(), j.tolist(), strict=True) if left is not right or a != b
    ]
    levels = _levels(pairs, left, right)
    u: dict[str, list[float]] = {}
    for f, comparison in enumerate(COMPARISONS):
        size = len(comparison.labels)
        counts = np.bincount(levels[:, f], minlength=size).astype(float)[1:] + 0.5
        probs = counts / counts.sum()
        exact = _exact_u(comparison, right)
        if exact is not None:
            others = probs[1:] / probs[1:].sum() * (1 - exact)
            probs = np.concatenate([[exact], others])
        u[comparison.name] = [0.0, *probs.tolist()]
    return u


def _household_h(
    master: Sequence[StandardRecord], *, rng: np.random.Generator, max_pairs: int
) -> tuple[dict[str, list[float]], int]:
    """Level distributions of the non-shared fields between members of one household."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for idx, r in enumerate(master):
        if r.family_phonetic and r.street and r.house_number:
            groups[("a", r.family_phonetic, r.postcode, r.street, r.house_number)].append(idx)
        if r.phone and not r.phone_is_mobile:
            groups[("p", r.phone)].append(idx)
    pairs: set[tuple[int, int]] = set()
    for members in groups.values():
        if 1 < len(members) <= 12:
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    pairs.add((members[x], members[y]))
    pair_list = sorted(pairs)
    if len(pair_list) > max_pairs:
        chosen = rng.choice(len(pair_list), max_pairs, replace=False)
        pair_list = [pair_list[k] for k in sorted(chosen.tolist())]
    fields = [f for f, c in enumerate(COMPARISONS) if not c.household_shared]
    counts = {f: np.full(len(COMPARISONS[f].labels) - 1, 0.5) for f in fields}
    used = 0
    for x, y in pair_list:
        a, b = master[x], master[y]
        # Groups mix real households with the master's own duplicates (typos included, up to a
        # whole field); only pairs differing in both given name and birth date count as two
        # members. That leaves twins out, so their share is put back as a floor below.
        given = COMPARISONS[_GIVEN].compare(a, b)
        dob = COMPARISONS[_DOB].compare(a, b)
        if given not in _CLEARLY_DIFFERENT_GIVEN or dob not in _DOB_NOT_SHARED:
            continue
        if any(
            getattr(a, name) and getattr(a, name) == getattr(b, name)
            for name in ("customer_number", "email", "handle")
        ):
            continue  # members do not share personal identifiers; duplicates do
        used += 1
        for f in fields:
            level = COMPARISONS[f].compare(a, b)
            if level:
                counts[f][level - 1] += 1
    h = {}
    if used < MIN_HOUSEHOLD_PAIRS:
        return h, used  # too few to estimate: members then compare like random people (u)
    for f in fields:
        probs = np.maximum(counts[f] / counts[f].sum(), M_FLOOR)
        if f == _DOB:
            probs[0] = max(probs[0], TWIN_SHARE)
        h[COMPARISONS[f].name] = [0.0, *(probs / probs.sum()).tolist()]
    return h, used


def _candidate_pairs(
    queries: Sequence[StandardRecord],
    master: Sequence[StandardRecord],
    *,
    dedupe: bool,
    max_block: int,
    max_pairs: int,
    rng: np.random.Generator,
) -> tuple[list[tuple[int, int]], list[int], int]:
    """Blocked pairs for a random subset of queries: (pairs, query number per pair, queries)."""
    index: dict[str, list[int]] = defaultdict(list)
    for idx, r in enumerate(master):
        for key in blocking_keys(r):
            index[key].append(idx)
    pairs: list[tuple[int, int]] = []
    query_of: list[int] = []
    used = 0
    for q in rng.permutation(len(queries)).tolist():
        found: set[int] = set()
        for key in blocking_keys(queries[q]):
            block = index.get(key)
            if block and len(block) <= max_block:
                found.update(block)
        if dedupe:
            found.discard(q)
        pairs.extend((q, c) for c in sorted(found))
        query_of.extend([used] * len(found))
        used += 1
        if len(pairs) >= max_pairs:
            break
    return pairs, query_of, used


def _em(
    levels: np.ndarray,
    tf_bits: np.ndarray,
    household: np.ndarray,
    query_of: np.ndarray,
    queries: int,
    master_size: int,
    m: dict[str, list[float]],
    u: dict[str, list[float]],
    h: dict[str, list[float]],
    *,
    iterations: int,
    one_per_query: bool,
    tolerance: float = 1e-5,
) -> tuple[dict[str, list[float]], dict[str, list[float]], float, float, int]:
    """EM for m, the match rate and the household prior; u and h stay fixed.

    Linking (`one_per_query`): per query, none of its candidates is the person (1 - rate), or
    exactly one is (rate / master size a priori for each). This "at most one" constraint keeps
    EM from declaring every same-name pair a match when fragments carry little else. Dedupe:
    a record may have several duplicates, so pairs are independent (classic Fellegi–Sunter).
    """
    rate, rho = 0.5, 0.5
    m_arr = {c.name: np.asarray(m[c.name], dtype=float) for c in COMPARISONS}
    h_arr = {name: np.asarray(v, dtype=float) for name, v in h.items()}
    posterior = np.zeros(len(levels))
    done = 0
    for iteration in range(1, iterations + 1):
        done = iteration
        prior = math.log2(rate / master_size / (1 - rate))
        plain_bits = np.full(len(levels), prior) + tf_bits
        household_bits = np.full(len(levels), _logit2(rho))
        for f, c in enumerate(COMPARISONS):
            col = levels[:, f]
            mf = np.maximum(m_arr[c.name], 1e-12)
            w = np.log2(mf / np.asarray(u[c.name]).clip(1e-12))
            w[0] = 0.0
            plain_bits += w[col]
            if c.household_shared:
                continue
            hf = h_arr.get(c.name)
            wh = np.log2(mf / hf.clip(1e-12)) if hf is not None else w
            wh[0] = 0.0
            household_bits += wh[col]
        bits = np.where(household, household_bits, plain_bits)
        odds = np.exp2(np.clip(bits, -60, 60))
        if one_per_query:
            total = 1.0 + np.bincount(query_of, weights=odds, minlength=queries)
            posterior = odds / total[query_of]
        else:
            posterior = odds / (1.0 + odds)
        change = 0.0
        for f, c in enumerate(COMPARISONS):
            size = len(c.labels)
            sums = np.bincount(levels[:, f], weights=posterior, minlength=size)[1:] + 1e-3
            # Levels unseen among matches still happen (a mistyped number): keep m >= 0.002.
            probs = np.maximum(sums / sums.sum(), M_FLOOR)
            new = np.concatenate([[0.0], probs / probs.sum()])
            change = max(change, float(np.abs(new - m_arr[c.name]).max()))
            m_arr[c.name] = new
        rate = min(max(float(posterior.sum()) / queries, 1e-4), 0.99)
        if household.sum() >= 20:
            rho = min(max(float(posterior[household].mean()), 1e-4), 1 - 1e-4)
        if change < tolerance:
            break
    m_out = {k: v.tolist() for k, v in m_arr.items()}
    return m_out, {k: v.tolist() for k, v in h_arr.items()}, rate, rho, done


def fit(
    master: Sequence[StandardRecord],
    incoming: Sequence[StandardRecord] | None = None,
    *,
    tenant_id: str | None = None,
    match_rate: float | None = None,
    u_samples: int = 200_000,
    em_pairs: int = 300_000,
    em_iterations: int = 50,
    max_block: int = 300,
    tf_top_k: int = 20_000,
    seed: int = 1,
) -> MatchModel:
    """Fit a model without labels: u by random sampling, m by EM on blocked pairs, TF tables.

    With `incoming` (past contacts) the model learns incoming-vs-master agreement; without it,
    it learns from duplicates inside the master. `match_rate` (share of contacts that are
    customers) overrides the estimated rate, e.g. when fitting on the master alone.
    """
    if len(master) < 2:
        raise ValueError("need at least two master records to fit")
    rng = np.random.default_rng(seed)
    dedupe = incoming is None
    left = master if incoming is None else incoming
    tf = _term_frequencies(master, tf_top_k)
    u = _estimate_u(left, master, samples=u_samples, rng=rng)
    h, household_pairs = _household_h(master, rng=rng, max_pairs=100_000)
    pairs, query_of, queries = _candidate_pairs(
        left, master, dedupe=dedupe, max_block=max_block, max_pairs=em_pairs, rng=rng
    )
    levels = _levels(pairs, left, master)
    # Term-frequency bits per pair, from a provisional model carrying the TF tables.
    provisional = MatchModel(
        m={c.name: _default_m(c) for c in COMPARISONS},
        u=u,
        h=h,
        match_rate=0.5,
        household_prior=0.5,
        tf=tf,
        master_size=len(master),
    )
    tf_bits = np.zeros(len(pairs))
    household = np.zeros(len(pairs), dtype=bool)
    for row, ((i, j), vector) in enumerate(zip(pairs, levels.tolist(), strict=True)):
        household[row] = MatchModel.is_household_pattern(vector, left[i], master[j])
        bits = 0.0
        for f, level in enumerate(vector):
            if level in _TF_LEVELS[f]:
                bits += provisional.tf_adjustment(f, left[i])
        tf_bits[row] = bits
    m, h, rate, rho, iterations = _em(
        levels,
        tf_bits,
        household,
        np.asarray(query_of, dtype=np.int64),
        queries,
        len(master),
        provisional.m,
        u,
        h,
        iterations=em_iterations,
        # Also for dedupe: pairwise EM on sparse blocked pairs drifts to "everything matches".
        one_per_query=True,
    )
    return MatchModel(
        m=m,
        u=u,
        h=h,
        match_rate=match_rate if match_rate is not None else rate,
        household_prior=rho,
        tf=tf,
        master_size=len(master),
        tenant_id=tenant_id,
        fitted_at=datetime.now(UTC).isoformat(timespec="seconds"),
        training={
            "mode": "dedupe" if dedupe else "link",
            "u_samples": u_samples,
            "em_pairs": len(pairs),
            "em_queries": queries,
            "em_iterations": iterations,
            "household_pairs": household_pairs,
            "household_candidate_pairs": int(household.sum()),
            "estimated_match_rate": rate,
            "seed": seed,
        },
    )
