"""Compact similarity keys: find messages about the same incident (copies, retweets, paraphrases).

A key holds two sketches of one message:
- an int8-quantised sentence embedding (multilingual, so a German and an English paraphrase of
  the same complaint land close together), and
- a 64-slot MinHash of character 5-gram shingles (exact and near-exact copies, retweets).

Keys are plain ASCII (`s1.<embedding>.<minhash>`, base64url), at most ~870 characters, so they
fit an event payload or a database column. Only numpy and the standard library are used, so
every service can compare keys without loading a model.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = [
    "SIMILARITY_KEY_VERSION",
    "make_similarity_key",
    "normalise_for_similarity",
    "similarity",
]

SIMILARITY_KEY_VERSION = "s1"
_NUM_PERM = 64
_SHINGLE = 5
_MAX_CHARS = 4000
_PRIME = 4_294_967_291  # largest prime below 2**32
_EMPTY = np.iinfo(np.uint16).max

_RETWEET = re.compile(r"^\s*(?:rt|retweet)\s+@[\w.]+:?\s*", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w.])@[\w.]+(?:@[\w.-]+)?")
_NON_WORD = re.compile(r"[^\w]+")


def normalise_for_similarity(text: str) -> str:
    """Text as the sketches see it: no retweet prefix, URLs or mentions; lower case; words only."""
    text = _RETWEET.sub("", text[:_MAX_CHARS])
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return _NON_WORD.sub(" ", text.casefold()).strip()


@lru_cache(maxsize=1)
def _permutations() -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    # Derived from fixed labels with BLAKE2 so keys stay comparable across versions and machines.
    def draw(label: str) -> int:
        digest = hashlib.blake2b(label.encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") % (2**31 - 1) + 1

    a = np.array([draw(f"a{i}") for i in range(_NUM_PERM)], dtype=np.uint64)
    b = np.array([draw(f"b{i}") for i in range(_NUM_PERM)], dtype=np.uint64)
    return a, b


def _minhash(normalised: str) -> npt.NDArray[np.uint16]:
    if not normalised:
        return np.full(_NUM_PERM, _EMPTY, dtype=np.uint16)
    padded = f" {normalised} "
    if len(padded) <= _SHINGLE:
        shingles = {padded}
    else:
        shingles = {padded[i : i + _SHINGLE] for i in range(len(padded) - _SHINGLE + 1)}
    hashes = np.fromiter(
        (zlib.crc32(s.encode()) for s in shingles), dtype=np.uint64, count=len(shingles)
    )
    a, b = _permutations()
    # a, b < 2**31 and hashes < 2**32, so a * h + b stays below 2**64.
    values = (hashes[None, :] * a[:, None] + b[:, None]) % np.uint64(_PRIME)
    minima = values.min(axis=1)
    # Keep 16 bits per slot: unequal minima collide with probability 1/65536, which is noise.
    low: npt.NDArray[np.uint16] = (minima & np.uint64(0xFFFF)).astype(np.uint16)
    low[low == _EMPTY] = _EMPTY - 1
    return low


def _quantise(embedding: Sequence[float] | npt.NDArray[np.floating]) -> npt.NDArray[np.int8]:
    vector = np.asarray(embedding, dtype=np.float32).ravel()
    peak = float(np.max(np.abs(vector))) if vector.size else 0.0
    if not np.isfinite(peak) or peak == 0.0:
        return np.zeros(0, dtype=np.int8)
    # Cosine ignores scale, so no scale factor needs storing.
    quantised: npt.NDArray[np.int8] = np.clip(np.rint(vector / peak * 127.0), -127, 127).astype(
        np.int8
    )
    return quantised


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_similarity_key(
    text: str, embedding: Sequence[float] | npt.NDArray[np.floating] | None = None
) -> str:
    """Build a similarity key from the message text and (optionally) its sentence embedding."""
    quantised = _quantise(embedding) if embedding is not None else np.zeros(0, dtype=np.int8)
    minhash = _minhash(normalise_for_similarity(text))
    return ".".join(
        (SIMILARITY_KEY_VERSION, _b64(quantised.tobytes()), _b64(minhash.astype("<u2").tobytes()))
    )


def _parse(key: str) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.uint16]] | None:
    parts = key.split(".")
    if len(parts) != 3 or parts[0] != SIMILARITY_KEY_VERSION:
        return None
    try:
        vector = np.frombuffer(_unb64(parts[1]), dtype=np.int8)
        minhash = np.frombuffer(_unb64(parts[2]), dtype="<u2").astype(np.uint16)
    except ValueError:
        return None
    if minhash.size != _NUM_PERM:
        return None
    return vector, minhash


def similarity(a: str, b: str) -> float:
    """How likely two keys describe the same thing, 0..1 (copies ~1, paraphrases ≥ ~0.7)."""
    left, right = _parse(a), _parse(b)
    if left is None or right is None:
        return 0.0
    (va, ma), (vb, mb) = left, right
    lexical = 0.0
    if not (np.all(ma == _EMPTY) or np.all(mb == _EMPTY)):
        lexical = float(np.mean(ma == mb))
    semantic = 0.0
    if va.size and va.size == vb.size:
        fa, fb = va.astype(np.float32), vb.astype(np.float32)
        denominator = float(np.linalg.norm(fa) * np.linalg.norm(fb))
        if denominator > 0.0:
            semantic = float(np.dot(fa, fb)) / denominator
    return float(min(1.0, max(0.0, lexical, semantic)))
