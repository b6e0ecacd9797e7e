"""Scoring engine: the Social Customer Score, interaction risk, influence graph and incidents.

Pure Python and numpy; the scoring service wires it to the database and the bus.
"""

from .config import ComponentWeights, IncidentConfig, RiskTiers, ScoreTiers, ScoringConfig
from .graph import (
    CentralityMethod,
    InfluenceGraph,
    adjacency,
    expected_spread,
    katz,
    normalise,
    pagerank,
)
from .incidents import IncidentCandidate, IncidentDetector, Similarity
from .inputs import KNOWN_NETWORKS, CustomerSignals, Network, SocialProfile
from .risk import assess_risk
from .roles import RoleMatch, classify_role
from .score import (
    BatchScores,
    CustomerScore,
    PopulationStats,
    SignalArrays,
    compute_score,
    compute_scores_batch,
)

__all__ = [
    "KNOWN_NETWORKS",
    "BatchScores",
    "CentralityMethod",
    "ComponentWeights",
    "CustomerScore",
    "CustomerSignals",
    "IncidentCandidate",
    "IncidentConfig",
    "IncidentDetector",
    "InfluenceGraph",
    "Network",
    "PopulationStats",
    "RiskTiers",
    "RoleMatch",
    "ScoreTiers",
    "ScoringConfig",
    "SignalArrays",
    "Similarity",
    "SocialProfile",
    "adjacency",
    "assess_risk",
    "classify_role",
    "compute_score",
    "compute_scores_batch",
    "expected_spread",
    "katz",
    "normalise",
    "pagerank",
]
