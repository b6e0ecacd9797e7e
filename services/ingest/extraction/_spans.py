"""Found features with their position, so later extractors can skip text already explained."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Found:
    kind: str
    value: str
    start: int
    end: int
    confidence: float


def mask(text: str, spans: list[tuple[int, int]], fill: str = " ") -> str:
    """Blank out spans, keeping offsets (so positions stay valid)."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = fill * (end - start)
    return "".join(chars)
