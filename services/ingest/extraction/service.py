"""Extraction: identification features, language, sentiment, urgency and a similarity key.

Pure functions over the normalised interaction; models load once per process on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from mailparser_reply import EmailReplyParser

from services.ingest.interactions.schemas import AuthorIn, InteractionCreate
from shared._similarity import make_similarity_key
from shared.contracts import ExtractedFeature

from . import _addresses, _identifiers, _names
from ._encoder import embed, embed_many
from ._language import SUPPORTED_CODES, detect_language, detector
from ._sentiment import classify
from ._signals import escalation_signals, urgency
from ._spans import Found
from .schemas import Analysis, CustomerNumberPatterns

__all__ = ["analyse", "analyse_many", "semantic_text", "warm_up"]

_DEFAULT_PATTERNS = CustomerNumberPatterns()
_MULTILINE_CHANNELS = frozenset({"email", "letter", "webform"})
_REPLY_PARSED_CHANNELS = frozenset({"email"})
_MAX_TEXT = 20_000  # beyond this it is an attachment dump, not a message
_reply_parser = EmailReplyParser(languages=["de", "en"])

_RETWEET = re.compile(r"^\s*RT\s+@\w+:\s*")
_GREETING = re.compile(
    r"^\s*(?:sehr\s+geehrte|hallo|liebe[rs]?\s|guten\s+(?:tag|morgen|abend)|moin|dear\s|hi\b"
    r"|hello\b|hey\b|to\s+whom\s+it\s+may\s+concern|good\s+(?:morning|afternoon))"
    r"[^\n.!?]{0,60}[,!]?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_SUB_QUOTE = re.compile(r"^\s*>.*$", re.MULTILINE)


@dataclass(frozen=True)
class _Parts:
    body: str
    signature: str


def _split(item: InteractionCreate) -> _Parts:
    """Body and signature of the author's own words; quoted history is dropped."""
    text = item.text[:_MAX_TEXT]
    signature = item.signature or ""
    if item.channel in _REPLY_PARSED_CHANNELS and item.quoted_text is None and text.strip():
        try:
            replies = _reply_parser.read(text).replies
        except Exception:  # the parser is heuristic; a failure must not lose the message
            replies = []
        if replies:
            first = replies[0]
            body = first.body or ""
            if not signature and first.signatures:
                signature = first.signatures
            if body.strip() or signature.strip():
                text = body
    text = _SUB_QUOTE.sub("", text)
    return _Parts(body=text.strip(), signature=signature.strip())


def semantic_text(text: str) -> str:
    """The part of a message that carries its meaning: no retweet prefix, greetings or quotes."""
    text = _RETWEET.sub("", text)
    text = _GREETING.sub("", text)
    return " ".join(text.split())


def _author_features(author: AuthorIn) -> Iterable[ExtractedFeature]:
    if author.email:
        for found in _identifiers.find_emails(author.email):
            yield ExtractedFeature(kind="email", value=found.value, source="header")
    if author.phone:
        phone = _identifiers.parse_phone(author.phone)
        if phone:
            yield ExtractedFeature(kind="phone", value=phone, source="header", confidence=0.95)
    if author.handle:
        handle = author.handle.strip()
        if handle:
            value = handle if handle.startswith("@") else f"@{handle}"
            yield ExtractedFeature(kind="handle", value=value, source="header")
    name = _names.display_name(author.name)
    if name:
        yield ExtractedFeature(
            kind="name", value=name.value, source="display_name", confidence=name.confidence
        )


def _text_features(
    text: str, source: str, patterns: CustomerNumberPatterns, *, multiline: bool
) -> Iterable[ExtractedFeature]:
    if not text.strip():
        return
    identifiers, rest = _identifiers.find_identifiers(text, patterns)
    addresses = _addresses.find_addresses(rest)
    rest_for_names = rest
    for found in addresses:
        rest_for_names = (
            rest_for_names[: found.start]
            + " " * (found.end - found.start)
            + (rest_for_names[found.end :])
        )
    names = _names.find_names(rest_for_names, multiline=multiline)
    for found in (*identifiers, *addresses, *names):
        yield _feature(found, source)


def _feature(found: Found, source: str) -> ExtractedFeature:
    return ExtractedFeature(
        kind=found.kind, value=found.value, source=source, confidence=round(found.confidence, 3)
    )


def _metadata_strings(metadata: dict[str, Any], depth: int = 0) -> Iterable[tuple[str, str]]:
    for key, value in list(metadata.items())[:50]:
        if isinstance(value, str) and value.strip():
            yield str(key), value[:500]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            yield str(key), str(value)
        elif isinstance(value, dict) and depth < 2:
            yield from _metadata_strings(value, depth + 1)


def _metadata_features(
    metadata: dict[str, Any], patterns: CustomerNumberPatterns
) -> Iterable[ExtractedFeature]:
    for key, value in _metadata_strings(metadata):
        # "kundennummer: 123…" lets the tenant's label patterns recognise form fields.
        label = key.replace("_", " ")
        for found in _identifiers.find_customer_numbers(f"{label}: {value}", patterns):
            yield _feature(found, "metadata")
        for found in _identifiers.find_emails(value):
            yield _feature(found, "metadata")
        if re.search(r"phone|telefon|mobil|handy|tel\b", key, re.IGNORECASE):
            phone = _identifiers.parse_phone(value)
            if phone:
                yield ExtractedFeature(kind="phone", value=phone, source="metadata")


def _dedupe(features: Iterable[ExtractedFeature]) -> list[ExtractedFeature]:
    """One feature per (kind, value), keeping the most confident; family-only names that
    repeat a full name's family name are dropped."""
    best: dict[tuple[str, str], ExtractedFeature] = {}
    for feature in features:
        key = (feature.kind, feature.value.casefold())
        if key not in best or feature.confidence > best[key].confidence:
            best[key] = feature
    families = {
        value.split()[-1] for (kind, value) in best if kind == "name" and len(value.split()) > 1
    }
    return [
        f
        for (kind, value), f in best.items()
        if not (kind == "name" and len(value.split()) == 1 and value in families)
    ]


def _prepare(item: InteractionCreate) -> tuple[_Parts, str]:
    parts = _split(item)
    meaning = semantic_text(parts.body) or semantic_text(item.subject or "")
    return parts, meaning


def _finish(
    item: InteractionCreate,
    parts: _Parts,
    meaning: str,
    embedding: npt.NDArray[np.float32],
    patterns: CustomerNumberPatterns,
    default_language: str | None,
) -> Analysis:
    multiline = item.channel in _MULTILINE_CHANNELS or "\n" in parts.body
    features: list[ExtractedFeature] = list(_author_features(item.author))
    if item.subject:
        features += _text_features(item.subject[:2000], "header", patterns, multiline=False)
    features += _text_features(parts.body, "text", patterns, multiline=multiline)
    features += _text_features(parts.signature, "signature", patterns, multiline=True)
    features += _metadata_features(item.metadata, patterns)

    # X and Mastodon report the language they detected on the whole post; trust it when it is
    # one we model, and spare the detector.
    reported = item.metadata.get("lang")
    if isinstance(reported, str) and reported.lower() in SUPPORTED_CODES:
        language: str | None = reported.lower()
    else:
        language = detect_language(meaning, default_language)
    sentiment, label = classify(embedding, meaning, language)
    cue_text = f"{item.subject or ''}\n{parts.body}"
    signals = escalation_signals(cue_text)
    return Analysis(
        language=language,
        sentiment=sentiment,
        sentiment_label=label,
        urgency=urgency(cue_text, signals, sentiment),
        escalation_signals=signals,
        features=_dedupe(features),
        similarity_key=make_similarity_key(meaning or item.text[:2000], embedding),
    )


def analyse(
    item: InteractionCreate,
    *,
    patterns: CustomerNumberPatterns | None = None,
    default_language: str | None = None,
) -> Analysis:
    """Features, language, sentiment, urgency, escalation signals and similarity key."""
    parts, meaning = _prepare(item)
    return _finish(
        item, parts, meaning, embed(meaning), patterns or _DEFAULT_PATTERNS, default_language
    )


def analyse_many(
    items: Sequence[InteractionCreate],
    *,
    patterns: CustomerNumberPatterns | None = None,
    default_language: str | None = None,
) -> list[Analysis]:
    """`analyse` for a batch (a consumer's prefetch): the encoder runs once for all of them,
    which roughly halves its cost per message."""
    prepared = [_prepare(item) for item in items]
    embeddings = embed_many([meaning for _, meaning in prepared])
    return [
        _finish(item, parts, meaning, embedding, patterns or _DEFAULT_PATTERNS, default_language)
        for item, (parts, meaning), embedding in zip(items, prepared, embeddings, strict=True)
    ]


def warm_up() -> None:
    """Load every model now (call from the service's lifespan, not on the first message)."""
    detector(fast=True)
    analyse(InteractionCreate(channel="email", text="Hallo, mein Internet geht nicht. Danke!"))
