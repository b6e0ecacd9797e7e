"""Scoring settings (env prefix `RESONANCE_SCORING_`)."""

from pydantic_settings import SettingsConfigDict

from shared import ServiceSettings


class ScoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESONANCE_SCORING_", extra="ignore")
