"""Identity settings (env prefix `RESONANCE_IDENTITY_`)."""

from pydantic_settings import SettingsConfigDict

from shared import ServiceSettings


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESONANCE_IDENTITY_", extra="ignore")
