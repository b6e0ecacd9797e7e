"""Scoring engine: the Social Customer Score, interaction risk, influence graph and incidents.

Pure Python and numpy; the scoring service wires it to the database and the bus.
"""

from .config import ComponentWeights, IncidentConfig, RiskTiers, ScoreTiers, ScoringConfig
from .conversation import GRAPH_NETWORKS, EdgeKind, Reference, normalise_handle, references
from .graph import (
    CentralityMethod,
    InfluenceGraph,
    adjacency,
    estimate_first_hop,
    estimate_spread,
    expected_spread,
    katz,
    normalise,
    pagerank,
    spread_centrality,
)
from .incidents import (
    IncidentCandidate,
    IncidentDetector,
    Similarity,
    closest,
    is_relevant,
    should_announce,
    spike_rates,
)
from .inputs import KNOWN_NETWORKS, CustomerSignals, Network, SocialProfile
from .risk import assess_risk, velocity_per_hour
from .roles import RoleMatch, classify_role
from .score import (
    BatchScores,
    CustomerScore,
    PopulationStats,
    SignalArrays,
    audience_of,
    compute_score,
    compute_scores_batch,
)

__all__ = [
    "GRAPH_NETWORKS",
    "KNOWN_NETWORKS",
    "BatchScores",
    "CentralityMethod",
    "ComponentWeights",
    "CustomerScore",
    "CustomerSignals",
    "EdgeKind",
    "IncidentCandidate",
    "IncidentConfig",
    "IncidentDetector",
    "InfluenceGraph",
    "Network",
    "PopulationStats",
    "Reference",
    "RiskTiers",
    "RoleMatch",
    "ScoreTiers",
    "ScoringConfig",
    "SignalArrays",
    "Similarity",
    "SocialProfile",
    "adjacency",
    "assess_risk",
    "audience_of",
    "classify_role",
    "closest",
    "compute_score",
    "compute_scores_batch",
    "estimate_first_hop",
    "estimate_spread",
    "expected_spread",
    "is_relevant",
    "katz",
    "normalise",
    "normalise_handle",
    "pagerank",
    "references",
    "should_announce",
    "spike_rates",
    "spread_centrality",
    "velocity_per_hour",
]
