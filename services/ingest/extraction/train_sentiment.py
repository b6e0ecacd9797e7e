"""Train the sentiment classifier: `python -m services.ingest.extraction.train_sentiment`.

Reads data/sentiment_train.jsonl (text, label, lang, group), reports held-out accuracy per
language (groups keep a message and its translation on the same side of the split), then
fits on everything and writes data/sentiment_weights.npz.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ._encoder import embed_many
from ._sentiment import LABELS, WEIGHTS_FILE, features, softmax
from .service import semantic_text

DATA = Path(__file__).parent / "data" / "sentiment_train.jsonl"


def fit(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.int64], *, l2: float, epochs: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Multinomial logistic regression, full-batch gradient descent with Adam."""
    n, d = x.shape
    w = np.zeros((d, len(LABELS)))
    b = np.zeros(len(LABELS))
    onehot = np.eye(len(LABELS))[y]
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    rate, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    for step in range(1, epochs + 1):
        p = softmax(x @ w + b)
        g = (p - onehot) / n
        grad_w = x.T @ g + l2 * w
        grad_b = g.sum(axis=0)
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        correction1, correction2 = 1 - beta1**step, 1 - beta2**step
        w -= rate * (m_w / correction1) / (np.sqrt(v_w / correction2) + eps)
        b -= rate * (m_b / correction1) / (np.sqrt(v_b / correction2) + eps)
    return w, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int, default=400)
    parser.add_argument("--holdout", type=float, default=0.2, help="share of groups held out")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rows = [json.loads(line) for line in DATA.read_text("utf-8").splitlines() if line.strip()]
    texts = [semantic_text(r["text"]) for r in rows]
    started = time.perf_counter()
    embeddings = embed_many(texts)
    x = np.stack(
        [features(e, t, r["lang"]) for e, t, r in zip(embeddings, texts, rows, strict=True)]
    ).astype(np.float64)
    y = np.array([LABELS.index(r["label"]) for r in rows])
    langs = np.array([r["lang"] for r in rows])
    groups = np.array([r["group"] for r in rows])
    print(
        f"{len(rows)} messages, {x.shape[1]} features, "
        f"embedded in {time.perf_counter() - started:.1f}s"
    )

    rng = np.random.default_rng(args.seed)
    unique = np.unique(groups)
    held = set(rng.choice(unique, size=int(len(unique) * args.holdout), replace=False).tolist())
    test = np.array([g in held for g in groups])
    w, b = fit(x[~test], y[~test], l2=args.l2, epochs=args.epochs)
    predicted = np.argmax(x[test] @ w + b, axis=1)
    print(f"held-out accuracy (seed {args.seed}, {test.sum()} messages, l2 {args.l2}):")
    for lang in sorted(set(langs.tolist())):
        mask = langs[test] == lang
        accuracy = float(np.mean(predicted[mask] == y[test][mask]))
        print(f"  {lang}: {accuracy:.3f} (n={int(mask.sum())})")
    print(f"  all: {float(np.mean(predicted == y[test])):.3f}")

    w, b = fit(x, y, l2=args.l2, epochs=args.epochs)
    out = Path(__file__).parent / WEIGHTS_FILE
    np.savez_compressed(out, weights=w, bias=b, labels=np.array(LABELS))
    print(f"wrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")


if __name__ == "__main__":
    main()
