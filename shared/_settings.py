"""Settings shared by every service; each service subclasses with its own `env_prefix`."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ServiceSettings"]

_DEV_SECRET = "dev-only-insecure-secret"


class ServiceSettings(BaseSettings):
    """Common settings: database, broker, logging. Override per service with its prefix."""

    model_config = SettingsConfigDict(env_prefix="RESONANCE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/resonance"
    database_pool_size: int = 10
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    transport: Literal["rabbitmq", "memory"] = "rabbitmq"
    exchange: str = "resonance"
    prefetch: int = 64
    max_attempts: int = 5
    retry_delays_ms: tuple[int, ...] = (1_000, 5_000, 30_000)
    outbox_batch: int = 500
    log_level: str = "INFO"
    log_json: bool | None = None  # None: JSON outside development
    internal_secret: SecretStr = SecretStr(_DEV_SECRET)
    max_body_bytes: int = 1_048_576
    # Bulk uploads are streamed, never held in memory, so they may be far larger.
    max_upload_bytes: int = 1_073_741_824
    upload_paths: tuple[str, ...] = ("/v1/customers/import",)

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> ServiceSettings:
        if self.environment == "production" and self.internal_secret.get_secret_value() in {
            _DEV_SECRET,
            "",
        }:
            raise ValueError("internal_secret must be set outside development")
        return self
