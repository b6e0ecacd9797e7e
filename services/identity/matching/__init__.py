"""Identity matching engine: standardise, block, compare, score (Fellegi–Sunter), resolve."""

from .blocking import blocking_keys
from .model import (
    DEFAULT_THRESHOLDS,
    CandidateScore,
    FieldEvidence,
    MatchModel,
    Thresholds,
    decide,
    fit,
)
from .resolver import Resolution, Resolver
from .standardise import StandardRecord, standardise

__all__ = [
    "DEFAULT_THRESHOLDS",
    "CandidateScore",
    "FieldEvidence",
    "MatchModel",
    "Resolution",
    "Resolver",
    "StandardRecord",
    "Thresholds",
    "blocking_keys",
    "decide",
    "fit",
    "standardise",
]
