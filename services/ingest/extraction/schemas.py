"""Public in/out models of extraction: what ingest learns from one interaction."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.contracts import ExtractedFeature

SentimentLabel = Literal["negative", "neutral", "positive"]

# Label words, then an optional "is/lautet/:/#", then the value (letters, digits, dashes, slashes;
# at least four digits are checked afterwards). Tenants add their own formats.
_VALUE = r"(?:is|ist|lautet)?\s*[:#.]?\s*(?P<value>[A-Z0-9](?:[A-Z0-9]|[-/](?=[A-Z0-9])){3,24})"
DEFAULT_CUSTOMER_NUMBER_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "customer_number",
        r"\b(?:kunden[-_\s]?(?:nummer|nr\.?|id)|kd\.?[-_\s]?nr\.?|kundennr\.?"
        r"|customer[-_\s]?(?:number|no\.?|nr\.?|id|#)|customer|account[-_\s]?(?:number|no\.?|#)"
        r"|acct\.?\s*(?:no\.?|#))\s*" + _VALUE,
    ),
    (
        "contract_number",
        r"\b(?:vertrags?[-_\s]?(?:nummer|nr\.?)|vertrag\s+nr\.?|contract[-_\s]?(?:number|no\.?|#)"
        r"|contract)\s*" + _VALUE,
    ),
)


class CustomerNumberPatterns(BaseModel):
    """Per-tenant customer and contract number formats: (kind, regex with a `value` group)."""

    model_config = ConfigDict(frozen=True)

    patterns: tuple[tuple[str, str], ...] = DEFAULT_CUSTOMER_NUMBER_PATTERNS
    min_digits: int = Field(default=4, ge=1)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        for _, pattern in value:
            compiled = re.compile(pattern, re.IGNORECASE)
            if compiled.groups < 1:
                raise ValueError(f"pattern needs a capture group for the value: {pattern!r}")
        return value

    @cached_property
    def compiled(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in self.patterns)


class Analysis(BaseModel):
    """What extraction found in one interaction."""

    language: str | None = None  # ISO 639-1
    sentiment: float = Field(default=0.0, ge=-1.0, le=1.0)
    sentiment_label: SentimentLabel = "neutral"
    urgency: float = Field(default=0.0, ge=0.0, le=1.0)
    escalation_signals: list[str] = Field(default_factory=list)
    features: list[ExtractedFeature] = Field(default_factory=list)
    similarity_key: str = ""

    def values(self, *kinds: str) -> list[str]:
        """Feature values of the given kinds, in order found, without duplicates."""
        seen: dict[str, None] = {}
        for feature in self.features:
            if feature.kind in kinds:
                seen.setdefault(feature.value, None)
        return list(seen)

    @property
    def names(self) -> list[str]:
        return self.values("name")

    @property
    def emails(self) -> list[str]:
        return self.values("email")

    @property
    def phones(self) -> list[str]:
        return self.values("phone")

    @property
    def handles(self) -> list[str]:
        return self.values("handle")

    @property
    def customer_numbers(self) -> list[str]:
        """Customer and contract numbers (the feature kind tells which)."""
        return self.values("customer_number", "contract_number")

    @property
    def contract_numbers(self) -> list[str]:
        return self.values("contract_number")

    @property
    def addresses(self) -> list[str]:
        return self.values("address")

    @property
    def ibans(self) -> list[str]:
        """Masked IBANs (country, check digits and last four characters only)."""
        return self.values("iban")
