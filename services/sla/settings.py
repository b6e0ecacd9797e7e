"""Sla settings (env prefix `RESONANCE_SLA_`)."""

from pydantic_settings import SettingsConfigDict

from shared import ServiceSettings


class SlaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESONANCE_SLA_", extra="ignore")

    scan_interval_seconds: float = 1.0
    warn_ratio: float = 0.8
