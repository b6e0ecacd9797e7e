"""Sla settings (env prefix `RESONANCE_SLA_`)."""

from pydantic_settings import SettingsConfigDict

from shared import ServiceSettings


class SlaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESONANCE_SLA_", extra="ignore")
