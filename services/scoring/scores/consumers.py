"""Scoring's event handlers."""

from services.scoring.scores.service import erase_customer, score_interaction
from shared import ConsumerSpec
from shared.contracts import CustomerErasedV1, InteractionIdentifiedV1

CONSUMERS = [
    ConsumerSpec("identified", [InteractionIdentifiedV1.event_type], score_interaction),
    ConsumerSpec("erasure", [CustomerErasedV1.event_type], erase_customer),
]
