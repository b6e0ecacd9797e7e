"""Gateway settings (env prefix `RESONANCE_GATEWAY_`)."""

from __future__ import annotations

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared import ServiceSettings

_DEV = "dev-only-insecure-secret"
_DEV_JWT = "dev-only-insecure-jwt-signing-secret-0000"


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESONANCE_GATEWAY_", extra="ignore")

    bootstrap_secret: SecretStr = SecretStr(_DEV)
    jwt_secret: SecretStr = SecretStr(_DEV_JWT)
    jwt_ttl_seconds: int = 3600
    max_body_bytes: int = 26_214_400
    upstream_timeout_seconds: float = 30.0
    upstream_connections: int = 256
    api_key_cache_seconds: float = 30.0
    rate_limit_per_second: float = 500.0  # per API key or user; 0 disables
    rate_limit_burst: int = 1000
    idempotency_ttl_hours: int = 24
    ingest_url: str = "http://127.0.0.1:8001"
    identity_url: str = "http://127.0.0.1:8002"
    scoring_url: str = "http://127.0.0.1:8003"
    routing_url: str = "http://127.0.0.1:8004"
    sla_url: str = "http://127.0.0.1:8005"

    @model_validator(mode="after")
    def _no_default_gateway_secrets(self) -> GatewaySettings:
        if self.environment == "production":
            for name in ("bootstrap_secret", "jwt_secret"):
                if getattr(self, name).get_secret_value() in {_DEV, _DEV_JWT, ""}:
                    raise ValueError(f"{name} must be set outside development")
        if len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("jwt_secret must have at least 32 characters")
        return self

    def upstreams(self) -> dict[str, str]:
        return {
            "ingest": self.ingest_url,
            "identity": self.identity_url,
            "scoring": self.scoring_url,
            "routing": self.routing_url,
            "sla": self.sla_url,
        }
