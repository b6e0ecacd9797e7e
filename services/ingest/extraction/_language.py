"""Language detection with lingua, restricted to the languages our tenants receive."""

from __future__ import annotations

import re
import threading

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LANGUAGES = (
    Language.GERMAN, Language.ENGLISH, Language.FRENCH, Language.SPANISH,
    Language.ITALIAN, Language.DUTCH, Language.TURKISH, Language.POLISH,
)  # fmt: skip
SUPPORTED_CODES = frozenset(language.iso_code_639_1.name.lower() for language in LANGUAGES)
MIN_CHARS = 20
MIN_CONFIDENCE = 0.5

_NOISE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+|@\w+|#|\d+", re.IGNORECASE)
LONG_TEXT = 120  # from here on lingua's fast (trigram-only) mode is as accurate

_lock = threading.Lock()
_detectors: dict[bool, LanguageDetector] = {}


def detector(*, fast: bool = False) -> LanguageDetector:
    if fast not in _detectors:
        with _lock:
            if fast not in _detectors:
                builder = LanguageDetectorBuilder.from_languages(*LANGUAGES)
                if fast:
                    builder = builder.with_low_accuracy_mode()
                _detectors[fast] = builder.with_preloaded_language_models().build()
    return _detectors[fast]


def detect_language(text: str, default: str | None = None) -> str | None:
    """ISO 639-1 code; `default` for short or ambiguous text."""
    cleaned = " ".join(_NOISE.sub(" ", text[:1000]).split())
    if sum(c.isalpha() for c in cleaned) < MIN_CHARS:
        return default
    values = detector(fast=len(cleaned) >= LONG_TEXT).compute_language_confidence_values(cleaned)
    if not values or values[0].value < MIN_CONFIDENCE:
        return default
    return values[0].language.iso_code_639_1.name.lower()
