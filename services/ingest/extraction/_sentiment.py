"""Sentiment: a small softmax classifier over sentence embeddings plus lexical cues.

No packaged German sentiment model exists, so we train one (train_sentiment.py) on our own
labelled DE+EN messages, on top of the multilingual encoder; VADER adds its score for English.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources
from typing import Literal, cast

import numpy as np
import numpy.typing as npt
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from . import _lexicon

LABELS: tuple[Literal["negative", "neutral", "positive"], ...] = ("negative", "neutral", "positive")
WEIGHTS_FILE = "data/sentiment_weights.npz"
_LEXICAL_SCALE = 2.0

_lock = threading.Lock()
_vader: SentimentIntensityAnalyzer | None = None
_model: Model | None = None


def vader() -> SentimentIntensityAnalyzer:
    global _vader
    if _vader is None:
        with _lock:
            if _vader is None:
                _vader = SentimentIntensityAnalyzer()
    return _vader


def features(
    embedding: npt.NDArray[np.float32], text: str, language: str | None
) -> npt.NDArray[np.float32]:
    """The classifier's input: embedding, lexical cues, VADER compound (English only)."""
    compound = 0.0
    if language == "en" and text:
        compound = float(vader().polarity_scores(text[:600])["compound"])
    extra = np.array([compound, 1.0 if language == "en" else 0.0], dtype=np.float32)
    return np.concatenate([embedding, _lexicon.cues(text) * _LEXICAL_SCALE, extra])


def softmax(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return cast(npt.NDArray[np.float64], e / e.sum(axis=-1, keepdims=True))


@dataclass(frozen=True)
class Model:
    weights: npt.NDArray[np.float64]  # (features, 3)
    bias: npt.NDArray[np.float64]  # (3,)

    def probabilities(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        return softmax(x.astype(np.float64) @ self.weights + self.bias)


def model() -> Model:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                path = resources.files(__package__).joinpath(WEIGHTS_FILE)
                with resources.as_file(path) as file, np.load(file) as data:
                    _model = Model(weights=data["weights"], bias=data["bias"])
    return _model


def classify(
    embedding: npt.NDArray[np.float32], text: str, language: str | None
) -> tuple[float, Literal["negative", "neutral", "positive"]]:
    """(score in -1..1 = P(positive) - P(negative), label)."""
    if not text.strip():
        return 0.0, "neutral"
    p = model().probabilities(features(embedding, text, language))
    score = float(np.clip(p[2] - p[0], -1.0, 1.0))
    return round(score, 4), LABELS[int(np.argmax(p))]
