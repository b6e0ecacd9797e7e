"""Tenant extraction settings in/out."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class NumberPattern(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["customer_number", "contract_number"]
    pattern: str = Field(min_length=3, max_length=300, description="regex with one capture group")

    @field_validator("pattern")
    @classmethod
    def _compiles_with_a_group(cls, value: str) -> str:
        try:
            compiled = re.compile(value, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        if compiled.groups < 1:
            raise ValueError("the pattern needs a capture group around the number")
        return value


class TenantSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_number_patterns: list[NumberPattern] = Field(default_factory=list, max_length=50)
    default_language: Literal["de", "en", "fr", "es", "it", "nl", "tr", "pl"] | None = None


class TenantSettingsOut(TenantSettingsIn):
    """Patterns here come first; the built-in German and English formats still apply."""
