"""Scoring settings (env prefix `RESONANCE_SCORING_`)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared import ServiceSettings


class ScoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESONANCE_SCORING_", extra="ignore")

    # The background recompute of network centrality and population statistics.
    recompute_interval_seconds: float = Field(default=60.0, gt=0.0)
    # Population statistics are recomputed at most this often per tenant.
    population_interval_seconds: float = Field(default=900.0, ge=0.0)
    # Fewer scored customers than this and percentiles say nothing: the log scales are used.
    population_min_customers: int = Field(default=30, ge=1)
    # Bounds of one recompute: tenants per run, edges per tenant (most recent first) and
    # customers rescored per tenant (largest centrality changes first).
    recompute_tenants_per_run: int = Field(default=50, ge=1)
    graph_max_edges: int = Field(default=2_000_000, ge=1)
    rescore_max_customers: int = Field(default=10_000, ge=0)
    # Edges and posts not seen for this long leave the graph; old incident clusters are deleted.
    graph_retention_days: float = Field(default=90.0, gt=0.0)
    incident_retention_days: float = Field(default=30.0, gt=0.0)
    # How often the worker rescores the customers whose stored score still counts a news
    # mention that has left the last year since (at most `rescore_max_customers` per sweep).
    mention_sweep_interval_seconds: float = Field(default=3600.0, gt=0.0)
