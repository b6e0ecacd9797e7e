"""The scoring service: the Social Customer Score and the risk of a public service failure."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.scoring.db import messaging, metadata
from services.scoring.exports.endpoints import router as exports_router
from services.scoring.graph.consumers import CONSUMERS as GRAPH_CONSUMERS
from services.scoring.incidents.consumers import CONSUMERS as INCIDENT_CONSUMERS
from services.scoring.incidents.endpoints import router as incidents_router
from services.scoring.mentions.consumers import CONSUMERS as MENTION_CONSUMERS
from services.scoring.recompute.endpoints import router as recompute_router
from services.scoring.recompute.service import recompute_worker
from services.scoring.scores.consumers import CONSUMERS as SCORE_CONSUMERS
from services.scoring.scores.endpoints import router as scores_router
from services.scoring.settings import ScoringSettings
from shared import Broker, ServiceDefinition

SERVICE = ServiceDefinition(
    name="scoring",
    title="Resonance scoring",
    port=8003,
    settings_class=ScoringSettings,
    metadata=metadata,
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    routers=[scores_router, incidents_router, recompute_router, exports_router],
    consumers=[*SCORE_CONSUMERS, *GRAPH_CONSUMERS, *INCIDENT_CONSUMERS, *MENTION_CONSUMERS],
    workers=[recompute_worker],
)


def create_app(settings: ScoringSettings | None = None, broker: Broker | None = None) -> FastAPI:
    """The app uvicorn serves (`--factory services.scoring.app:create_app`)."""
    return SERVICE.app(settings, broker)
