"""Extraction quality on the labelled corpus: `python -m bench.extraction` (not a test).

Prints precision/recall/F1 per feature type, language accuracy, sentiment accuracy per
language and per-message timing, with the settings used. The corpus (bench/data/
extraction_corpus.jsonl) is a hold-out: it shares no message with the sentiment training set.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

from rapidfuzz import fuzz

from services.ingest.extraction import analyse, warm_up
from services.ingest.interactions.schemas import InteractionCreate

CORPUS = Path(__file__).parent / "data" / "extraction_corpus.jsonl"
TRAIN = Path(__file__).parents[1] / "services/ingest/extraction/data/sentiment_train.jsonl"
KINDS = ("names", "emails", "phones", "customer_numbers", "addresses")


def canonical(kind: str, value: str) -> str:
    """Compare values, not formatting: case, spacing and 'Str.'/'Straße' don't count."""
    value = value.strip()
    if kind == "names":
        return " ".join(value.replace("’", "'").casefold().split())
    if kind == "emails":
        return value.casefold()
    if kind == "customer_numbers":
        return re.sub(r"\s+", "", value.upper())
    if kind == "addresses":
        value = value.casefold().replace("ß", "ss").replace("–", "-")
        value = re.sub(r"str\.", "strasse", value)
        return re.sub(r"[\s,.]+", "", value)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--default-language", default="de")
    parser.add_argument("--errors", action="store_true", help="print every miss and false hit")
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.corpus.read_text("utf-8").splitlines() if line]
    train = [json.loads(line)["text"] for line in TRAIN.read_text("utf-8").splitlines() if line]
    near = sum(1 for r in rows if any(fuzz.ratio(r["item"]["text"], t) >= 90 for t in train))
    started = time.perf_counter()
    warm_up()
    load_seconds = time.perf_counter() - started

    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    language_hits = 0
    sentiment: dict[str, list[bool]] = defaultdict(list)
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    for row in rows:
        item = InteractionCreate.model_validate(row["item"])
        t0 = time.perf_counter()
        result = analyse(item, default_language=args.default_language)
        timings[item.channel].append(time.perf_counter() - t0)
        for kind in KINDS:
            expected = {canonical(kind, v) for v in row["expected"][kind]}
            got = {canonical(kind, v) for v in getattr(result, kind)}
            tp[kind] += len(expected & got)
            fp[kind] += len(got - expected)
            fn[kind] += len(expected - got)
            for value in sorted(expected - got):
                errors.append(f"{row['id']:<16} {kind:<17} MISSED {value}")
            for value in sorted(got - expected):
                errors.append(f"{row['id']:<16} {kind:<17} EXTRA  {value}")
        language_hits += result.language == row["language"]
        sentiment[row["language"]].append(result.sentiment_label == row["sentiment"])
        if result.sentiment_label != row["sentiment"]:
            errors.append(
                f"{row['id']:<16} sentiment         {row['sentiment']} → {result.sentiment_label}"
            )

    channels = Counter(r["item"]["channel"] for r in rows)
    languages = Counter(r["language"] for r in rows)
    print("# Extraction benchmark")
    print(f"command: python -m bench.extraction --default-language {args.default_language}")
    print(
        f"corpus: {args.corpus.name}, {len(rows)} messages "
        f"({', '.join(f'{k} {v}' for k, v in sorted(languages.items()))}; "
        f"{', '.join(f'{k} {v}' for k, v in channels.most_common())})"
    )
    print(f"hold-out check: {near} corpus messages ≥ 90% similar to a sentiment training text")
    print(
        f"python {platform.python_version()}, {platform.machine()}, one process, "
        f"models loaded in {load_seconds:.1f}s"
    )
    print()
    print(f"| {'feature':<17} | {'expected':>8} | {'found':>5} | precision | recall |    F1 |")
    print(f"|{'-' * 19}|{'-' * 10}|{'-' * 7}|{'-' * 11}|{'-' * 8}|{'-' * 7}|")
    for kind in KINDS:
        precision = tp[kind] / (tp[kind] + fp[kind]) if tp[kind] + fp[kind] else 1.0
        recall = tp[kind] / (tp[kind] + fn[kind]) if tp[kind] + fn[kind] else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(
            f"| {kind:<17} | {tp[kind] + fn[kind]:>8} | {tp[kind] + fp[kind]:>5} | "
            f"{precision:>9.3f} | {recall:>6.3f} | {f1:>5.3f} |"
        )
    print()
    print(f"language accuracy: {language_hits / len(rows):.3f} ({language_hits}/{len(rows)})")
    for lang, hits in sorted(sentiment.items()):
        print(f"sentiment accuracy {lang}: {sum(hits) / len(hits):.3f} ({sum(hits)}/{len(hits)})")
    print()
    print("analyse() per message, ms (median / p95), models warm:")
    for channel, values in sorted(timings.items(), key=lambda kv: -len(kv[1])):
        ms = sorted(v * 1000 for v in values)
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        print(f"  {channel:<10} n={len(ms):>3}  {statistics.median(ms):6.2f} / {p95:6.2f}")
    if args.errors:
        print()
        print("\n".join(errors))


if __name__ == "__main__":
    main()
