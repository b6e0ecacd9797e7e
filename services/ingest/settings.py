"""Ingest settings (env prefix `RESONANCE_INGEST_`)."""

from pydantic_settings import SettingsConfigDict

from shared import ServiceSettings


class IngestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESONANCE_INGEST_", extra="ignore")

    max_body_bytes: int = 26_214_400  # raw e-mails with attachments
    meta_app_secret: str = ""
    meta_verify_token: str = ""
    feed_poll_seconds: float = 30.0  # how often due feeds are looked for
