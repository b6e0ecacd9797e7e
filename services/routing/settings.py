"""Routing settings (env prefix `RESONANCE_ROUTING_`)."""

from pydantic_settings import SettingsConfigDict

from shared import ServiceSettings


class RoutingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESONANCE_ROUTING_", extra="ignore")
