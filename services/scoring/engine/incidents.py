"""Incident detection: a spike of similar negative public messages within a time window.

Messages join the open cluster whose representative is most similar (at or above the
threshold), else start a new one. A cluster with at least `min_size` messages inside the window
is an incident candidate, reported with its rate (messages/hour) and acceleration
(messages/hour², recent half of the window against the older half). Memory per tenant is
bounded by `max_clusters_per_tenant × max_members_per_cluster`, and each message costs at most
one similarity call per open cluster.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from shared import similarity as shared_similarity
from shared.contracts import InteractionFacts

from .config import IncidentConfig

__all__ = [
    "IncidentCandidate",
    "IncidentDetector",
    "Similarity",
    "closest",
    "is_relevant",
    "should_announce",
    "spike_rates",
]

Similarity = Callable[[str, str], float]
T = TypeVar("T")
# An incident is announced again only when it has grown this much since the last announcement.
REGROWTH_FACTOR = 2.0


def is_relevant(facts: InteractionFacts, config: IncidentConfig) -> bool:
    """Inbound, public, negative (or escalating) and with a similarity key."""
    if facts.direction != "inbound" or facts.visibility != "public":
        return False
    if not facts.similarity_key:
        return False
    if facts.sentiment is None:
        return bool(facts.escalation_signals)
    return facts.sentiment <= config.max_sentiment


def closest(
    key: str,
    clusters: Iterable[tuple[T, str]],
    *,
    threshold: float,
    similarity: Similarity = shared_similarity,
) -> T | None:
    """The cluster whose representative key is most similar to `key`, at or above threshold."""
    best, best_sim = None, threshold
    for cluster, representative in clusters:
        sim = similarity(key, representative)
        if sim >= best_sim:
            best, best_sim = cluster, sim
    return best


def spike_rates(
    *, size: int, recent: int, first_seen: datetime, latest: datetime, window_minutes: float
) -> tuple[float, float]:
    """Messages/hour over the cluster's span and messages/hour² (recent half against older half).

    `recent` counts the members in the later half of the window ending at `latest`. The span is
    at least 5 minutes so a burst of copies is fast but not infinitely fast.
    """
    window_h = window_minutes / 60.0
    half_h = window_h / 2.0
    older = size - recent
    span = (latest - first_seen).total_seconds() / 3600.0
    span_h = min(window_h, max(span, 5.0 / 60.0))
    return size / span_h, (recent / half_h - older / half_h) / half_h


def should_announce(
    size: int, *, reported_size: int, min_size: int, growth: float = REGROWTH_FACTOR
) -> bool:
    """Announce once at `min_size`, then again each time the cluster has grown by `growth`×."""
    if size < min_size:
        return False
    return reported_size <= 0 or size >= reported_size * growth


@dataclass(frozen=True, slots=True)
class IncidentCandidate:
    """A cluster of similar negative public messages large enough to look like an incident."""

    incident_id: uuid.UUID
    tenant_id: Hashable
    representative_key: str
    size: int
    first_seen: datetime
    last_seen: datetime
    rate_per_hour: float
    acceleration_per_hour2: float
    interaction_ids: tuple[Hashable, ...]
    new: bool  # True the first time this cluster reaches `min_size`


@dataclass(slots=True)
class _Cluster:
    key: str
    members: deque[tuple[datetime, Hashable]]
    incident_id: uuid.UUID = field(default_factory=uuid.uuid4)
    reported: bool = False


@dataclass(slots=True)
class _TenantState:
    clusters: list[_Cluster] = field(default_factory=list)
    latest: datetime | None = None


class IncidentDetector:
    """Keeps a bounded window of negative public messages per tenant and spots spikes."""

    def __init__(
        self,
        config: IncidentConfig | None = None,
        *,
        similarity: Similarity | None = None,
        max_tenants: int = 10_000,
        max_reported_ids: int = 100,
    ) -> None:
        self.config = config or IncidentConfig()
        self._similarity = similarity or shared_similarity
        self._tenants: OrderedDict[Hashable, _TenantState] = OrderedDict()
        self._max_tenants = max_tenants
        self._max_reported_ids = max_reported_ids

    @property
    def window(self) -> timedelta:
        """How far back messages count."""
        return timedelta(minutes=self.config.window_minutes)

    def is_relevant(self, facts: InteractionFacts) -> bool:
        """Inbound, public, negative (or escalating) and with a similarity key."""
        return is_relevant(facts, self.config)

    def observe(
        self, tenant_id: Hashable, *, interaction_id: Hashable, facts: InteractionFacts
    ) -> IncidentCandidate | None:
        """Feed one interaction; returns the candidate it belongs to once that is big enough."""
        if not self.is_relevant(facts):
            return None
        assert facts.similarity_key is not None
        return self.add(
            tenant_id, key=facts.similarity_key, at=facts.occurred_at, interaction_id=interaction_id
        )

    def add(
        self, tenant_id: Hashable, *, key: str, at: datetime, interaction_id: Hashable
    ) -> IncidentCandidate | None:
        """Feed one already-filtered negative public message."""
        state = self._state(tenant_id)
        if state.latest is None or at > state.latest:
            state.latest = at
        cutoff = state.latest - self.window
        if at < cutoff:
            return None  # arrived too late to be part of a spike
        self._evict(state, cutoff)

        best = closest(
            key,
            ((c, c.key) for c in state.clusters),
            threshold=self.config.similarity_threshold,
            similarity=self._similarity,
        )
        if best is None:
            if len(state.clusters) >= self.config.max_clusters_per_tenant:
                # Drop the cluster that went quiet longest: it is the least likely incident.
                state.clusters.remove(min(state.clusters, key=lambda c: c.members[-1][0]))
            best = _Cluster(key=key, members=deque(maxlen=self.config.max_members_per_cluster))
            state.clusters.append(best)
        _insert_sorted(best.members, (at, interaction_id))
        return self._candidate(tenant_id, state, best)

    def candidates(self, tenant_id: Hashable) -> list[IncidentCandidate]:
        """Every cluster of the tenant currently at or above `min_size`."""
        state = self._tenants.get(tenant_id)
        if state is None or state.latest is None:
            return []
        self._evict(state, state.latest - self.window)
        out = []
        for cluster in state.clusters:
            candidate = self._describe(tenant_id, state, cluster, new=False)
            if candidate is not None:
                out.append(candidate)
        return out

    def _state(self, tenant_id: Hashable) -> _TenantState:
        state = self._tenants.get(tenant_id)
        if state is None:
            state = self._tenants[tenant_id] = _TenantState()
            if len(self._tenants) > self._max_tenants:
                self._tenants.popitem(last=False)
        else:
            self._tenants.move_to_end(tenant_id)
        return state

    @staticmethod
    def _evict(state: _TenantState, cutoff: datetime) -> None:
        for cluster in state.clusters:
            while cluster.members and cluster.members[0][0] < cutoff:
                cluster.members.popleft()
        state.clusters = [c for c in state.clusters if c.members]

    def _candidate(
        self, tenant_id: Hashable, state: _TenantState, cluster: _Cluster
    ) -> IncidentCandidate | None:
        new = not cluster.reported and len(cluster.members) >= self.config.min_size
        candidate = self._describe(tenant_id, state, cluster, new=new)
        if candidate is not None:
            cluster.reported = True
        return candidate

    def _describe(
        self, tenant_id: Hashable, state: _TenantState, cluster: _Cluster, *, new: bool
    ) -> IncidentCandidate | None:
        size = len(cluster.members)
        if size < self.config.min_size or state.latest is None:
            return None
        middle = state.latest - timedelta(minutes=self.config.window_minutes / 2.0)
        recent = sum(1 for at, _ in cluster.members if at >= middle)
        rate, acceleration = spike_rates(
            size=size,
            recent=recent,
            first_seen=cluster.members[0][0],
            latest=state.latest,
            window_minutes=self.config.window_minutes,
        )
        ids = tuple(i for _, i in list(cluster.members)[-self._max_reported_ids :])
        return IncidentCandidate(
            incident_id=cluster.incident_id,
            tenant_id=tenant_id,
            representative_key=cluster.key,
            size=size,
            first_seen=cluster.members[0][0],
            last_seen=cluster.members[-1][0],
            rate_per_hour=rate,
            acceleration_per_hour2=acceleration,
            interaction_ids=ids,
            new=new,
        )


def _insert_sorted(
    members: deque[tuple[datetime, Hashable]], item: tuple[datetime, Hashable]
) -> None:
    """Append, keeping time order when a message arrives slightly out of order."""
    if not members or members[-1][0] <= item[0]:
        members.append(item)
        return
    position = len(members)
    while position > 0 and members[position - 1][0] > item[0]:
        position -= 1
    if members.maxlen is not None and len(members) == members.maxlen:
        members.popleft()
        position = max(0, position - 1)
    members.insert(position, item)
