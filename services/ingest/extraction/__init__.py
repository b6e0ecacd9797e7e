"""Extraction of identification features, language, sentiment and urgency from interactions."""

from .schemas import Analysis, CustomerNumberPatterns
from .service import analyse, analyse_many, warm_up

__all__ = ["Analysis", "CustomerNumberPatterns", "analyse", "analyse_many", "warm_up"]
