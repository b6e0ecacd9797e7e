"""The services and their ports, in start order (the gateway last)."""

from __future__ import annotations

from gateway.app import SERVICE as GATEWAY
from services.identity.app import SERVICE as IDENTITY
from services.ingest.app import SERVICE as INGEST
from services.routing.app import SERVICE as ROUTING
from services.scoring.app import SERVICE as SCORING
from services.sla.app import SERVICE as SLA
from shared import ServiceDefinition

SERVICES: tuple[ServiceDefinition, ...] = (INGEST, IDENTITY, SCORING, ROUTING, SLA, GATEWAY)
MODULES = {
    "ingest": "services.ingest",
    "identity": "services.identity",
    "scoring": "services.scoring",
    "routing": "services.routing",
    "sla": "services.sla",
    "gateway": "gateway",
}


def env_for(
    *,
    database_url: str,
    transport: str,
    ports: dict[str, int],
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/",
    exchange: str = "resonance",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Environment variables configuring every service the same way."""
    env: dict[str, str] = {}
    for service in SERVICES:
        prefix = f"RESONANCE_{service.name.upper()}_"
        env[prefix + "DATABASE_URL"] = database_url
        env[prefix + "TRANSPORT"] = transport
        env[prefix + "AMQP_URL"] = amqp_url
        env[prefix + "EXCHANGE"] = exchange
    for service in SERVICES:
        if service.name != "gateway":
            env[f"RESONANCE_GATEWAY_{service.name.upper()}_URL"] = (
                f"http://127.0.0.1:{ports[service.name]}"
            )
    env.update(extra or {})
    return env
