"""The scheduled recompute: network centrality, population statistics, then rescoring; the same
worker also sweeps the scores whose news mentions left the last year.

One replica leads each run (a transaction-scoped advisory lock); each tenant is recomputed
under its own advisory lock, so the worker and `POST /v1/scoring/recompute` take turns. Work is
bounded per run: tenants, edges per tenant and customers rescored per tenant.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.scoring.graph import repository as graph_repository
from services.scoring.graph import service as graph_service
from services.scoring.graph.service import GraphRecompute
from services.scoring.incidents import repository as incidents_repository
from services.scoring.locks import try_xact_lock, xact_lock
from services.scoring.mentions import service as mentions_service
from services.scoring.population import service as population
from services.scoring.recompute import repository
from services.scoring.scores import service as scores_service
from services.scoring.settings import ScoringSettings
from shared import Database, ServiceRuntime, get_logger

__all__ = ["RecomputeResult", "recompute_due", "recompute_tenant", "recompute_worker"]

log = get_logger("scoring.recompute")

# Rows written shortly before a recompute may commit after it read: look back this far.
CLOCK_MARGIN = timedelta(seconds=10)
RESCORE_BATCH = 200


@dataclass(frozen=True)
class RecomputeResult:
    nodes: int
    edges: int
    customers_rescored: int
    population_customers: int | None


async def recompute_tenant(
    db: Database,
    *,
    tenant_id: uuid.UUID,
    settings: ScoringSettings,
    graph: bool = True,
    population_stats: bool = True,
) -> RecomputeResult:
    """Recompute one tenant now (waits for a recompute of it already running elsewhere)."""
    now = datetime.now(UTC)
    outcome = GraphRecompute()
    customers: int | None = None
    async with db.session() as session:
        await xact_lock(session, "recompute", tenant_id)
        if graph:
            outcome = await graph_service.recompute_centrality(
                session, tenant_id=tenant_id, max_edges=settings.graph_max_edges, now=now
            )
        if population_stats:
            customers = await population.recompute(
                session,
                tenant_id=tenant_id,
                min_customers=settings.population_min_customers,
                now=now,
            )
        await repository.mark_recomputed(
            session,
            tenant_id=tenant_id,
            graph_at=now - CLOCK_MARGIN if graph else None,
            population_at=now if population_stats else None,
            nodes=outcome.nodes if graph else None,
            edges=outcome.edges if graph else None,
        )
    population.forget(tenant_id)
    rescored = await _rescore(db, tenant_id=tenant_id, outcome=outcome, settings=settings)
    return RecomputeResult(outcome.nodes, outcome.edges, rescored, customers)


async def _rescore(
    db: Database, *, tenant_id: uuid.UUID, outcome: GraphRecompute, settings: ScoringSettings
) -> int:
    """Rescore the customers whose centrality moved most, in short transactions."""
    moves = outcome.changed
    ranked = sorted(moves, key=lambda c: -moves[c])[: settings.rescore_max_customers]
    done = 0
    for start in range(0, len(ranked), RESCORE_BATCH):
        batch = ranked[start : start + RESCORE_BATCH]
        async with db.session() as session:
            config = await scores_service.config_for(session, tenant_id=tenant_id)
            stats = await population.cached(session, tenant_id=tenant_id)
            done += await scores_service.rescore(
                session,
                tenant_id=tenant_id,
                customer_ids=list(batch),
                config=config,
                population_stats=stats,
            )
    return done


def _due(
    changed: dict[uuid.UUID, tuple[datetime | None, datetime | None]],
    states: dict[uuid.UUID, Any],
    *,
    now: datetime,
    population_every: timedelta,
) -> tuple[list[tuple[uuid.UUID, bool, bool]], list[datetime]]:
    """Which tenants need which recompute; also the score changes deferred to a later run."""
    due: list[tuple[datetime, uuid.UUID, bool, bool]] = []
    deferred: list[datetime] = []
    for tenant_id, (graph_changed, scores_changed) in changed.items():
        state = states.get(tenant_id)
        graph_at = state.graph_computed_at if state is not None else None
        population_at = state.population_computed_at if state is not None else None
        graph = graph_changed is not None and (graph_at is None or graph_changed > graph_at)
        population_due = scores_changed is not None and (
            population_at is None or scores_changed > population_at
        )
        if population_due and population_at is not None and now - population_at < population_every:
            assert scores_changed is not None
            deferred.append(scores_changed)
            population_due = False
        if graph or population_due:
            oldest = graph_at or datetime.min.replace(tzinfo=UTC)
            due.append((oldest, tenant_id, graph, population_due))
    due.sort(key=lambda d: d[0])
    return [(t, g, p) for _, t, g, p in due], deferred


async def recompute_due(
    db: Database, *, settings: ScoringSettings, since: datetime
) -> tuple[int, datetime]:
    """One run of the worker; returns how many tenants it recomputed and the next `since`."""
    started = datetime.now(UTC)
    async with db.engine.begin() as leader:
        if not await try_xact_lock(leader, "recompute-leader"):
            return 0, since  # another replica leads this run
        async with db.session() as session:
            changed = await repository.changed_tenants(session, since=since)
            states = await repository.recompute_states(session, tenant_ids=list(changed))
        due, deferred = _due(
            changed,
            states,
            now=started,
            population_every=timedelta(seconds=settings.population_interval_seconds),
        )
        limit = settings.recompute_tenants_per_run
        for tenant_id, graph, population_due in due[:limit]:
            await recompute_tenant(
                db,
                tenant_id=tenant_id,
                settings=settings,
                graph=graph,
                population_stats=population_due,
            )
        async with db.session() as session:
            await graph_repository.prune(
                session, before=started - timedelta(days=settings.graph_retention_days)
            )
            incidents_before = started - timedelta(days=settings.incident_retention_days)
            await incidents_repository.prune(session, before=incidents_before)
            await incidents_repository.prune_authors(session, before=incidents_before)
    if len(due) > limit:
        return limit, since  # the rest next run, found again from the same point
    next_since = started - CLOCK_MARGIN
    if deferred:
        next_since = min(next_since, min(deferred) - timedelta(microseconds=1))
    return len(due), next_since


@contextlib.contextmanager
def _carry_on(failure: str) -> Iterator[None]:
    """A failed run is logged and the worker carries on (cancellation is no `Exception`)."""
    try:
        yield
    except Exception as exc:
        log.warning(failure, error=str(exc)[:500])


async def recompute_worker(runtime: ServiceRuntime) -> None:
    """Background worker: recomputes changed tenants every `recompute_interval_seconds`, and
    every `mention_sweep_interval_seconds` rescores the customers whose news mentions aged out."""
    settings = runtime.settings
    assert isinstance(settings, ScoringSettings)
    since = datetime.now(UTC) - timedelta(days=settings.graph_retention_days)
    swept_at = -math.inf
    while True:
        await asyncio.sleep(settings.recompute_interval_seconds)
        with _carry_on("scoring.recompute.failed"):
            count, since = await recompute_due(runtime.db, settings=settings, since=since)
            if count:
                log.info("scoring.recompute.ran", tenants=count)
        if time.monotonic() - swept_at < settings.mention_sweep_interval_seconds:
            continue
        swept_at = time.monotonic()
        with _carry_on("scoring.mentions.sweep_failed"):
            swept = await mentions_service.sweep_aged_out(
                runtime.db, max_customers=settings.rescore_max_customers
            )
            if swept:
                log.info("scoring.mentions.swept", customers=swept)
