"""Probabilistic resolution in the service: per-tenant model and thresholds, candidates from
PostgreSQL, the engine's `Resolver`, and explanations in the API's shape."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.matching import (
    MatchModel,
    Resolver,
    StandardRecord,
    Thresholds,
    blocking_keys,
    fit,
)
from services.identity.matching.model import DEFAULT_THRESHOLDS
from services.identity.resolution import records, repository
from shared import Database, ServiceRuntime, UnprocessableEntity, get_logger

log = get_logger("identity.resolution")

# Priors: a model fitted once on a synthetic German master (bench/identity_data.py, 50k rows
# with contacts, seed 11, tf_top_k=400). It serves tenants until their own model is fitted.
_PRIORS: dict[str, Any] = orjson.loads(
    resources.files("services.identity.matching").joinpath("data/prior_model.json").read_bytes()
)
# A message may come from anybody, not just from the few customers of a small tenant: the
# prior odds of "this is customer X" are taken over at least this many people.
MIN_POPULATION = 10_000
MIN_FIT_ROWS = 200
FIT_SAMPLE = 300_000
# How often the tenants' master sizes are counted (`count_master_sizes`): the prior model's
# odds follow a master's size to two significant digits, and a large import counts as it
# finishes.
COUNT_MASTERS_EVERY = 600.0
# How often each replica looks whether they are due.
COUNT_MASTERS_LOOK = 60.0
# Identifier evidence from the exact step carries this weight in explanations (bits).
EXACT_WEIGHT = 20.0


@dataclass(frozen=True)
class Outcome:
    """A resolution in the service's terms: customer ids, API-shaped explanation."""

    customer_id: uuid.UUID | None
    candidate_id: uuid.UUID | None
    probability: float
    decision: str
    explanation: list[dict[str, Any]]
    model_version: str
    rule: str | None = None
    also_matching: tuple[uuid.UUID, ...] = ()


def _population(master_size: int | None) -> int:
    """The population the prior odds are taken over: two significant digits of the master's
    size, so the version changes when the master grows, not on every row."""
    return int(float(f"{max(master_size or 0, MIN_POPULATION):.2g}"))


def priors(master_size: int | None) -> MatchModel:
    """The prior model scaled to a tenant's master size; its version says so."""
    model = MatchModel.from_dict(_PRIORS)
    population = _population(master_size)
    model.master_size = population
    model.version = f"priors-{_PRIORS['version']}-n{population}"
    model._prepare()
    return model


_SETTINGS = sa.text(
    """
    SELECT
        (SELECT version FROM identity.match_models WHERE tenant_id = :t
         ORDER BY created_at DESC LIMIT 1) AS version,
        (SELECT match_threshold FROM identity.tenant_config WHERE tenant_id = :t) AS match,
        (SELECT review_threshold FROM identity.tenant_config WHERE tenant_id = :t) AS review,
        (SELECT master_size FROM identity.tenant_stats WHERE tenant_id = :t) AS size
    """
)
# A tenant's model version and thresholds are read at most this often per process: the read
# was one of four round trips of every online resolution (~0.7 ms of a ~10 ms p99 at 1M
# customers, bench/identity_online.py). A change made through this process applies at once;
# other replicas take it up within this many seconds.
SETTINGS_TTL = 5.0


class _Cache:
    """Per-process, by tenant: the model (the stored version decides when to reload; for the
    priors, the population of the master size stored in `tenant_stats`) and the model version,
    thresholds and that population in force (read again after `SETTINGS_TTL`). Nothing here
    counts a master: that would scan the whole table on a request's time."""

    def __init__(self) -> None:
        self.models: dict[uuid.UUID, tuple[str | None, int, MatchModel]] = {}
        self.settings: dict[uuid.UUID, tuple[float, str | None, Thresholds, int]] = {}

    async def resolver(self, session: AsyncSession, *, tenant_id: uuid.UUID) -> Resolver:
        now = time.monotonic()
        cached = self.settings.get(tenant_id)
        if cached is not None and cached[0] > now:
            _, version, thresholds, population = cached
        else:
            row = (await session.execute(_SETTINGS, {"t": tenant_id})).one()
            version, population = row.version, _population(row.size)
            thresholds = (
                Thresholds(match=row.match, review=row.review)
                if row.match is not None
                else DEFAULT_THRESHOLDS
            )
            self.settings[tenant_id] = (now + SETTINGS_TTL, version, thresholds, population)
        model = await self.model(
            session, tenant_id=tenant_id, stored=version, population=population
        )
        return Resolver(model, thresholds)

    async def model(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, stored: str | None, population: int
    ) -> MatchModel:
        cached = self.models.get(tenant_id)
        if cached and cached[0] == stored and (stored is not None or cached[1] == population):
            return cached[2]
        if stored is not None:
            row = await repository.latest_model(session, tenant_id=tenant_id)
            model = MatchModel.from_dict(row.model) if row else priors(population)
        else:
            model = priors(population)
        self.models[tenant_id] = (stored, population, model)
        return model

    def forget_settings(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        """The tenant's model or thresholds change in this session's transaction: read them
        again once it commits (what was read meanwhile is dropped then)."""
        self.settings.pop(tenant_id, None)
        event.listen(
            session.sync_session,
            "after_commit",
            lambda _: self.settings.pop(tenant_id, None),
            once=True,
        )


CACHE = _Cache()


async def resolver_for(session: AsyncSession, *, tenant_id: uuid.UUID) -> Resolver:
    """The tenant's model and thresholds (one query, at most every `SETTINGS_TTL` seconds; the
    model itself is cached by its stored version)."""
    return await CACHE.resolver(session, tenant_id=tenant_id)


async def count_master_sizes(db: Database) -> int | None:
    """Count every tenant's master (one scan of the match records) unless it was done within
    `COUNT_MASTERS_EVERY` seconds or another replica is at it; returns how many tenants it
    counted (None: it did not count)."""
    async with db.session() as session:
        return await repository.store_master_sizes(session, unless_within=COUNT_MASTERS_EVERY)


async def master_size_counter(runtime: ServiceRuntime) -> None:
    """Background worker: every `COUNT_MASTERS_LOOK` seconds, `count_master_sizes` if due (a
    tenant grows by unknown persons and by the API, not only by imports)."""
    while True:
        try:
            if tenants := await count_master_sizes(runtime.db):
                log.info("identity.master_sizes.counted", tenants=tenants)
        except Exception:  # the database away for a moment: the next look catches up
            log.warning("identity.master_sizes.count_failed", exc_info=True)
        await asyncio.sleep(COUNT_MASTERS_LOOK)


def explanation(evidence: Any) -> list[dict[str, Any]]:
    return [
        {
            "field": e.field,
            "comparison": e.level,
            "weight": e.weight if math.isfinite(e.weight) else EXACT_WEIGHT,
        }
        for e in evidence
    ]


async def resolve(
    session: AsyncSession, *, tenant_id: uuid.UUID, fragment: StandardRecord, resolver: Resolver
) -> Outcome:
    """Candidates from PostgreSQL, then the Resolver; the online hot path."""
    return (
        await resolve_many(session, tenant_id=tenant_id, fragments=[fragment], resolver=resolver)
    )[0]


async def resolve_many(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    fragments: Sequence[StandardRecord],
    resolver: Resolver,
) -> list[Outcome]:
    """`resolve` for a batch: every fragment's candidates in one round trip."""
    found = await repository.candidates_of(
        session, tenant_id=tenant_id, fragments=[blocking_keys(f) for f in fragments]
    )
    return [
        _decide(fragment, rows, resolver) for fragment, rows in zip(fragments, found, strict=True)
    ]


def _decide(
    fragment: StandardRecord, rows: list[repository.Candidate], resolver: Resolver
) -> Outcome:
    owner = {str(r[0]): r[1] for r in rows}
    candidates = [records.record_from_json(str(r[0]), r[2]) for r in rows]
    result = resolver.resolve(fragment, candidates)
    # no_match carries no customer: the engine leaves it out (nobody is named on weak evidence).
    best = owner.get(result.customer_id) if result.customer_id else None
    also = tuple(
        dict.fromkeys(owner[r] for r in result.also_matching if r in owner and owner[r] != best)
    )
    return Outcome(
        customer_id=best if result.decision != "no_match" else None,
        candidate_id=best,
        probability=result.probability,
        decision=result.decision,
        explanation=explanation(result.explanation),
        model_version=result.model_version,
        rule=result.rule,
        also_matching=also,
    )


# --- master maintenance -------------------------------------------------------------------------


async def index_customer(session: AsyncSession, customer: Any) -> None:
    """Store a customer's standardised form and blocking keys (prospects are not indexed)."""
    if customer.is_prospect or customer.merged_into is not None:
        return
    record = records.customer_record(
        record_id=str(customer.id),
        given_name=customer.given_name,
        family_name=customer.family_name,
        date_of_birth=customer.date_of_birth,
        street=customer.street,
        postcode=customer.postcode,
        city=customer.city,
        emails=customer.emails,
        phones=customer.phones,
        handles=customer.handles,
        customer_number=customer.customer_number,
    )
    await repository.put_record(
        session,
        tenant_id=customer.tenant_id,
        record_id=customer.id,
        customer_id=customer.id,
        record=records.record_to_json(record),
        keys=blocking_keys(record),
    )


# --- configuration ------------------------------------------------------------------------------


async def get_thresholds(session: AsyncSession, *, tenant_id: uuid.UUID) -> Thresholds:
    config = await repository.get_config(session, tenant_id=tenant_id)
    if config is None:
        return DEFAULT_THRESHOLDS
    return Thresholds(match=config.match_threshold, review=config.review_threshold)


async def put_thresholds(
    session: AsyncSession, *, tenant_id: uuid.UUID, match: float, review: float
) -> Thresholds:
    try:
        thresholds = Thresholds(match=match, review=review)
    except ValueError as exc:
        raise UnprocessableEntity(
            "The thresholds are not valid.",
            errors=[{"loc": ["body"], "msg": str(exc)}],
        ) from None
    await repository.put_config(session, tenant_id=tenant_id, match=match, review=review)
    CACHE.forget_settings(session, tenant_id)
    return thresholds


async def current_model(session: AsyncSession, *, tenant_id: uuid.UUID) -> tuple[MatchModel, bool]:
    """The model in use and whether it was fitted for this tenant (False: priors)."""
    stored = await repository.latest_model(session, tenant_id=tenant_id)
    if stored is not None:
        return MatchModel.from_dict(stored.model), True
    return priors(await repository.stored_master_size(session, tenant_id=tenant_id)), False


def summary(model: MatchModel) -> dict[str, Any]:
    """What a person needs to judge a model: its size, priors and per-field weights."""
    fields = {}
    for name, m in model.m.items():
        u = model.u[name]
        fields[name] = {
            "levels": {
                label: round(math.log2(m[k] / u[k]), 3) if u[k] > 0 and m[k] > 0 else None
                for k, label in enumerate(_labels(name))
                if k > 0
            }
        }
    return {
        "master_size": model.master_size,
        "match_rate": round(model.match_rate, 4),
        "household_prior": round(model.household_prior, 4),
        "prior_weight": round(model.prior_weight, 3),
        "fitted_at": model.fitted_at,
        "training": model.training,
        "weights": fields,
    }


def _labels(name: str) -> tuple[str, ...]:
    from services.identity.matching.comparisons import COMPARISONS

    return next(c.labels for c in COMPARISONS if c.name == name)


async def fit_model(
    session: AsyncSession, *, tenant_id: uuid.UUID, job_id: uuid.UUID | None
) -> MatchModel:
    """Fit on the tenant's master (dedupe mode) in a thread, then store it as the new version."""
    rows = await repository.master_records(session, tenant_id=tenant_id, limit=FIT_SAMPLE)
    if len(rows) < MIN_FIT_ROWS:
        raise UnprocessableEntity(
            f"Fitting needs at least {MIN_FIT_ROWS} master rows, the tenant has {len(rows)}; "
            "the priors stay in use."
        )
    master = [records.record_from_json(str(i), r) for i, r in rows]
    match_rate = float(_PRIORS["match_rate"])
    model = await asyncio.to_thread(
        fit,
        master,
        tenant_id=str(tenant_id),
        match_rate=match_rate,
        u_samples=min(200_000, len(master) * 20),
        em_pairs=min(300_000, len(master) * 10),
    )
    total = await repository.master_size(session, tenant_id=tenant_id)
    if total != model.master_size:  # fitted on a sample: the prior odds are over all rows
        model.master_size = total
        model.version = model._fingerprint()
        model._prepare()
    await repository.add_model(
        session, tenant_id=tenant_id, version=model.version, model=model.to_dict(), job_id=job_id
    )
    CACHE.forget_settings(session, tenant_id)
    log.info("identity.model.fitted", version=model.version, master_size=model.master_size)
    return model
